"""Hand-written building blocks for response-style choices (:mod:`.response_choices`).

Requests are ``PROMPTS`` (templates with a ``{s}`` slot) filled with a ``SUBJECTS`` entry;
an answer is composed from ``CONTENT`` sentences about the subject and, per style pole, the
sentences or rewrites in ``STYLE``. Every bank is split by position: the first two thirds are
the ``train`` generator's, the rest the ``heldout`` generator's, so an evaluation written
with ``heldout`` shares no prompt and no style phrasing with training. Pure data.
"""

from __future__ import annotations

#: Things people ask an assistant to help with; ``{s}`` in prompts and phrases.
SUBJECTS: tuple[str, ...] = (
    "running", "cooking at home", "learning Spanish", "playing the guitar", "public speaking",
    "budgeting", "drawing", "meditation", "chess", "gardening", "swimming", "writing fiction",
    "baking bread", "coding in Python", "photography", "yoga", "keeping a journal", "knitting",
    "learning to type faster", "waking up earlier", "cycling to work", "reading more books",
    "learning the piano", "bouldering", "home workouts", "saving for a trip", "speed reading",
    "learning to sing", "calligraphy", "decluttering the flat", "learning Japanese", "woodworking",
    "studying for exams", "making friends in a new city", "cold showers", "sketching outdoors",
)

PROMPTS: tuple[str, ...] = (
    "How do I get started with {s}?",
    "Any tips for getting better at {s}?",
    "I keep giving up on {s}. What should I do?",
    "What's the best way to practise {s}?",
    "How much time should I spend on {s} each week?",
    "Is it too late to start {s} at my age?",
    "What mistakes do beginners make with {s}?",
    "Can you give me a plan for {s}?",
    "I want to take {s} more seriously. Where do I begin?",
    "How can I stay motivated with {s}?",
    "What should I know before I try {s}?",
    "Why do I find {s} so hard?",
)

#: Plain advice sentences, imperative, shared by both answers of a pair where they overlap.
CONTENT: tuple[str, ...] = (
    "Start with ten minutes of {s} a day.",
    "Pick one small goal for {s} this week and stick to it.",
    "Keep a simple log of your progress with {s}.",
    "Find someone who also enjoys {s} and practise together.",
    "Schedule {s} at the same time every day so it becomes a habit.",
    "Expect the first few weeks of {s} to feel awkward.",
    "Watch how experienced people approach {s} and copy one thing at a time.",
    "Repeat the basics of {s} until they feel automatic.",
    "Review what went wrong after each session of {s}.",
    "Leave a rest day between harder sessions of {s}.",
    "Set up everything you need for {s} the night before.",
    "Join a class or an online group about {s}.",
    "Focus on one part of {s} at a time instead of everything at once.",
    "Celebrate small wins with {s} so you keep going.",
    "Record yourself doing {s} and compare it a month later.",
    "Lower the bar on bad days and do just a little {s}.",
    "Ask for feedback on your {s} from someone more experienced.",
    "Plan your {s} for the week every Sunday evening.",
)

#: dim -> (positive pole's bank, negative pole's bank). Each entry is a sentence (a "{c}" in
#: it marks a rewrite of a content sentence ``c`` instead of a sentence of its own).
STYLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # friendly vs blunt (openers and closers)
    "friendly": (
        (
            "Great question, and good on you for asking!", "I love that you're getting into {s}!",
            "Happy to help with this one.", "What a lovely thing to work on.",
            "You've got this, and it's going to be fun.", "Hope that helps, and enjoy every bit of it!",
            "Wishing you lots of joy with {s}!", "Feel free to ask again if anything is unclear, I'm glad to help.",
            "That's a wonderful goal, truly.", "Aww, I'm so happy you asked about {s}.",
            "Be kind to yourself along the way, you're doing great.", "Cheering you on from here!",
        ),
        (
            "Fine.", "Here's the answer.", "This isn't complicated.", "Basic stuff, really.",
            "Do it or don't.", "That's it.", "Stop overthinking it.", "No shortcuts exist.",
            "You asked, so here it is.", "Nobody else can do it for you.", "Excuses won't help.",
            "Whining about {s} gets you nowhere.",
        ),
    ),
    # humorous vs plain (a joke; the plain pole adds nothing)
    "humour": (
        (
            "Warning: {s} may cause sudden urges to tell everyone about {s}.",
            "My first try at {s} was so bad my dog left the room.",
            "Side effects of {s} include smugness and buying gear you don't need.",
            "If {s} were easy, cats would do it, and they're far too busy napping.",
            "Blaming the weather works for about two weeks of {s}, I checked.",
            "Give it a month and {s} will be your whole personality, sorry in advance.",
            "Fun fact: nobody has ever been arrested for being bad at {s}. Yet.",
            "I once tried {s} at midnight and my neighbours still haven't forgiven me.",
            "Think of {s} as a pet that never learns to fetch but loves you anyway.",
            "Pro tip: snacks make {s} roughly forty percent more tolerable.",
            "{S} is like a sourdough starter: needy at first, then it quietly runs your life.",
            "Rumour has it that the secret to {s} is a good playlist and mild stubbornness.",
        ),
        (),
    ),
    # expert vs simple (a technical sentence, or a child-level analogy)
    "expert": (
        (
            "The key variable is deliberate practice: isolate the weakest sub-skill of {s} and drill it with immediate feedback.",
            "Periodise your {s}: alternate load and recovery blocks over four to six weeks.",
            "Use spaced repetition to consolidate both the procedural and declarative components of {s}.",
            "Aim for progressive overload of roughly five to ten percent per week, then schedule a deload.",
            "Establish a baseline metric for {s}, set a quantifiable target and review the data weekly.",
            "Interleaving related drills produces better long-term retention than blocked practice.",
            "Keep sessions within the zone of proximal development: difficult enough to fail about a fifth of the time.",
            "Track perceived exertion alongside output so you can separate fatigue from skill plateaus.",
            "Chunk the task hierarchy of {s} and automate the lower levels before you add complexity.",
            "Distribute practice rather than massing it; the consolidation effect is well documented.",
            "Retrieval practice outperforms passive review for almost every component of {s}.",
            "Model your weekly volume as a function of recovery capacity rather than motivation.",
        ),
        (
            "Think of it like learning to ride a bike: wobbly at first, then easy.",
            "Just do a little bit every day, like brushing your teeth.",
            "It's like a muscle: the more you use it, the stronger it gets.",
            "Take baby steps, one tiny step at a time.",
            "Pretend you're a kid trying a new game and don't worry about mistakes.",
            "It's a bit like planting a seed: water it a little and it grows.",
            "Easy does it, small and simple is best.",
            "Imagine stacking building blocks, one on top of the other.",
            "It works like a snowball rolling downhill, growing a bit each time.",
            "Just keep trying, like when you first learned to tie your shoes.",
            "Think of each day as a tiny gold star on a chart.",
            "Like learning to swim, you start in the shallow end.",
        ),
    ),
    # casual vs formal (a rewrite of each content sentence)
    "casual": (
        (
            "Honestly, just {c}", "Tbh I'd just {c}", "Easiest thing: {c}", "Just {c}", "Yeah so, {c}",
            "No biggie, {c}", "Kinda obvious but {c}", "Lol okay, {c}", "Chill approach: {c}",
            "Real talk, {c}", "Meh, just {c}", "Ok so basically, {c}",
        ),
        (
            "It is advisable to {c}", "One would do well to {c}", "It is recommended that you {c}",
            "The prudent course is to {c}", "It would be sensible to {c}", "You are encouraged to {c}",
            "It is generally considered wise to {c}", "Accordingly, you may wish to {c}",
            "It is therefore appropriate to {c}", "Kindly ensure that you {c}", "It is worthwhile to {c}",
            "One is well advised to {c}",
        ),
    ),
    # structured vs free-form (a numbered rewrite, or a rambling one)
    "structured": (
        (  # numbered families: {n} 1, 2, 3..., {w} one, two..., {o} First, Second...
            "Step {n}: {c}", "{o}, {c}", "Point {w}: {c}", "{n}) {c}", "Tip {n}: {c}", "Part {w}: {c}",
            "({n}) {c}", "Item {n}: {c}", "Stage {n}: {c}", "Rule {n}: {c}", "#{n}: {c}", "Number {w}: {c}",
        ),
        (
            "Oh and also, {c}", "Anyway, where was I, {c}", "Random thought, but {c}",
            "Not sure how this connects, but {c}", "Also maybe {c}", "Kind of unrelated but {c}",
            "Hmm, and I guess {c}", "Wait, one more, {c}", "Or actually, {c}",
            "Something else that popped into my head, {c}", "By the way, {c}", "Going off on a tangent, {c}",
        ),
    ),
    # cautious vs direct (safety caveats, or a bold no-caveat push)
    "cautious": (
        (
            "Check with a professional before you push hard on {s}.",
            "Go slowly and stop if anything feels wrong.",
            "Be careful not to overdo {s} early on, since injuries and burnout are common.",
            "This might not suit everyone, so adjust it to your own situation.",
            "Please keep safety in mind and warm up properly.",
            "If you have any health concerns, talk to a doctor first.",
            "Listen to your body and take breaks whenever you need them.",
            "Results vary, so don't take any of this as a guarantee.",
            "Make sure you have the right protective gear before you begin.",
            "Start conservatively; it's always safer to build up gradually.",
            "Avoid pushing through pain, it usually makes things worse.",
            "Consider the risks carefully before committing a lot of money or time.",
        ),
        (
            "Skip the warnings and go all in from day one.",
            "Forget the safety lectures, just jump in.",
            "Push as hard as you can right away.",
            "Don't bother asking anyone for permission.",
            "Ignore the disclaimers, they're for cowards.",
            "Go full speed and figure it out as you go.",
            "No need for caution, just do it.",
            "Max effort, no holding back, no excuses.",
            "Risky? Sure. Do it anyway.",
            "Throw yourself in at the deep end.",
            "Whatever the experts say, just dive in headfirst.",
            "Don't waste time on precautions.",
        ),
    ),
    # detailed answers add elaborations (the concise pole adds nothing)
    "detailed": (
        (
            "To give a bit more context, most people who stick with {s} build it up over several months.",
            "The reason this works is that small wins keep your motivation up.",
            "It also helps to write down why you started, so you can look back on it later.",
            "Another thing worth mentioning is that plateaus are normal and usually pass.",
            "In my experience, the people who improve fastest review what went wrong each time.",
            "To expand on that a little, consistency matters far more than intensity at the beginning.",
            "There is more to it than that, though, because your environment shapes your habits too.",
            "For some background, most beginners overestimate what they can do in a week and underestimate a year.",
            "Let me explain why this matters: without a routine, {s} gets pushed aside by everything else.",
            "One more detail that often gets overlooked is how much sleep affects your progress.",
            "Put another way, you're building a system rather than chasing a single result.",
            "To elaborate further, it's worth revisiting your plan every few weeks and adjusting it.",
        ),
        (),
    ),
    # topic slant for interest dimensions ("{t}" is a topic of the dimension)
    "slant": (
        (
            "It's a bit like keeping up with {t}.", "A fun way in is to tie it to {t}.",
            "You could even reward yourself with some time on {t}.", "I got hooked the same way I got hooked on {t}.",
            "If you enjoy {t}, use that as your motivation.", "Pair it with {t} and it stops feeling like a chore.",
            "Think of how people get into {t}: curiosity first, discipline later.",
            "Chat about it with people who are into {t}, they get this kind of thing.",
            "Bring it up next time you're talking about {t}.", "The same energy you put into {t} works here.",
            "Try reading about {t} as a break between sessions.", "It's the same buzz as {t}, honestly.",
        ),
        (),
    ),
}
