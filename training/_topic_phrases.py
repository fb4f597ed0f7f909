"""Hand-written building blocks for topic-slant choices (:mod:`.topic_choices`).

A *field* is what an answer can lean towards: one interest dimension, or a named field of
several (``academic``: science, knowledge, education; ``business``: workplace, finance).
Per field, ``PEOPLE`` are the people of that field an answer can invoke ("researchers") and
``MORE_TOPICS`` concrete things of it beyond the interest topics of :mod:`._synth_topics`.
``ASIDES`` and ``FRAMES`` are the slant sentences, with slots ``{p}`` / ``{P}`` (people,
capitalised), ``{t}`` (a topic of the field), ``{s}`` (the request's subject) and, in a frame,
``{c}`` (a content sentence of the answer, rewritten into the field's terms).

Every bank is split by position like the response-choice banks: the first two thirds write
``train`` answers, the rest ``heldout`` ones, so held-out users meet field people, topics and
slant phrasings that training never showed. Pure data.
"""

from __future__ import annotations

#: Named fields of several interest dimensions (the rest are one dimension each).
NAMED_FIELDS: dict[str, tuple[int, ...]] = {"academic": (47, 48, 65), "business": (58, 69)}

#: Field -> people of that field (3: two for train, one held out). Keys: a named field, or an
#: interest dimension's index.
PEOPLE: dict[str | int, tuple[str, ...]] = {
    "academic": ("researchers", "professors", "scholars"),
    "business": ("entrepreneurs", "executives", "startup founders"),
    47: ("scientists", "lab researchers", "physicists"), 48: ("trivia buffs", "encyclopedia readers", "quiz champions"),
    49: ("psychologists", "habit coaches", "therapists who study habits"),
    50: ("film directors", "cinematographers", "screenwriters"),
    51: ("TV producers", "talk-show hosts", "showrunners"), 52: ("gamers", "speedrunners", "game designers"),
    53: ("parents", "nannies", "family coaches"),
    54: ("science-fiction writers", "world-builders", "dreamers who invent other worlds"),
    55: ("anime fans", "mangaka", "studio animators"), 56: ("athletes", "football coaches", "marathon runners"),
    57: ("lawyers", "judges", "law clerks"), 58: ("managers", "office teams", "HR consultants"),
    59: ("dog trainers", "vets", "cat owners"), 60: ("travellers", "backpackers", "tour guides"),
    61: ("doctors", "nutritionists", "nurses"), 62: ("storytellers", "bedtime-story tellers", "folk narrators"),
    63: ("mechanics", "racing drivers", "car restorers"), 64: ("chefs", "sommeliers", "food critics"),
    65: ("teachers", "school principals", "curriculum designers"),
    66: ("journalists", "news anchors", "political reporters"),
    67: ("interior designers", "home stylists", "furniture restorers"),
    68: ("diplomats", "foreign correspondents", "trade negotiators"),
    69: ("investors", "financial planners", "stock traders"),
    70: ("college students", "resident advisers", "student-union organisers"),
    71: ("software engineers", "tech reviewers", "app developers"),
    72: ("counsellors", "people who journal their feelings", "grief therapists"),
    74: ("musicians", "composers", "session drummers"), 75: ("novelists", "literary critics", "poets"),
    76: ("painters", "watercolourists", "portrait artists"), 77: ("dancers", "choreographers", "ballet teachers"),
    78: ("crafters", "quilters", "woodturners"), 79: ("photographers", "press photographers", "portrait photographers"),
    80: ("anthropologists", "festival organisers", "keepers of old traditions"),
    81: ("personal trainers", "weightlifters", "CrossFit coaches"), 82: ("artists", "curators", "sculptors"),
    83: ("planner enthusiasts", "bullet journalers", "fountain-pen collectors"),
    84: ("celebrities", "red-carpet stylists", "gossip columnists"), 85: ("hikers", "kayakers", "rock climbers"),
    86: ("campers", "scout leaders", "wilderness guides"), 87: ("sociologists", "economists", "political scientists"),
    88: ("wedding planners", "brides and grooms", "wedding photographers"),
    89: ("fashion designers", "wardrobe stylists", "runway models"),
}

#: Field -> more of its topics, beside ``TOPICS`` of its dimensions (split the same way).
MORE_TOPICS: dict[str | int, tuple[str, ...]] = {
    "academic": ("a peer-reviewed study", "a university lecture", "a literature review", "a thesis defence",
                 "a controlled experiment", "the scientific method"),
    "business": ("a quarterly business review", "a startup pitch", "return on investment", "a company budget",
                 "a market analysis", "a sales target"),
    51: ("a binge-worthy series", "a game show", "a blockbuster premiere", "a late-night talk show",
         "a reality-TV finale", "a streaming-service cliffhanger"),
    75: ("a great novel", "a Shakespeare play", "a poem by Mary Oliver", "a character's arc in a novel",
         "the chapters of a classic", "a Dickens serial"),
}

#: Slant sentences of their own (36: 24 train, 12 held out).
ASIDES: tuple[str, ...] = (
    "It's a lot like {t}: the first steps are the hardest.",
    "{P} work the same way, one small improvement at a time.",
    "If you've ever followed {t}, you know how this goes.",
    "Ask any of the {p} you know and they'll tell you the same.",
    "Think of {s} the way {p} think about {t}.",
    "A good model is {t}: curiosity first, discipline later.",
    "Keep notes as you go, the way {p} keep track of {t}.",
    "You'll find the same pattern in {t}.",
    "Plenty of {p} got started exactly like this.",
    "It's the kind of habit {p} rely on every day.",
    "Treat it like {t} and it stops feeling like a chore.",
    "Reward yourself afterwards with some time on {t}.",
    "{P} call this the boring part that makes everything else possible.",
    "There's a reason {p} talk about {t} this way.",
    "Compare it with {t}: nobody gets it right on the first try.",
    "{P} would probably frame it in terms of {t}.",
    "It's no different from how {p} prepare for {t}.",
    "Bring it up with {p} and you'll get the same advice.",
    "Borrow the patience {p} show with {t}.",
    "What works for {t} works here too.",
    "Watching how {p} handle {t} is a good lesson for this.",
    "{P} learned this long ago, usually through {t}.",
    "The same logic explains {t}.",
    "Tie it to {t} and it sticks.",
    # held out
    "Picture how {p} handle {t}; it's the same idea.",
    "Funny enough, {t} follows the same rule.",
    "{P} would recognise this approach straight away.",
    "It mirrors what happens with {t}.",
    "Frame it the way {p} frame {t}.",
    "There's a clear parallel with {t} here.",
    "Most {p} would nod along to this.",
    "Consider {t} as an example of it.",
    "This is exactly the lesson of {t}.",
    "{P} put it into practice every time they deal with {t}.",
    "If {t} interests you, use it as your way in.",
    "It's the rhythm {p} know from {t}.",
)

#: Rewrites of a content sentence ``{c}`` into the field's terms (18: 12 train, 6 held out).
FRAMES: tuple[str, ...] = (
    "{P} have a saying for this: {c}",
    "The way {p} would put it: {c}",
    "Borrow a trick from {t}: {c}",
    "As {p} will tell you, {c}",
    "Like {p} preparing for {t}, {c}",
    "Take a page from {t}: {c}",
    "In the spirit of {t}, {c}",
    "Do what {p} do: {c}",
    "Here's the lesson of {t}: {c}",
    "Ask {p} and they'll say: {c}",
    "Approach it like {t}: {c}",
    "It's what {p} swear by: {c}",
    # held out
    "Much as {p} would, {c}",
    "Following the example of {t}, {c}",
    "Think like {p}: {c}",
    "Taking a cue from {t}, {c}",
    "Any of the {p} would agree: {c}",
    "With {t} in mind, {c}",
)
