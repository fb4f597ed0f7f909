"""Hand-written building blocks for response-style choices (:mod:`.response_choices`).

Requests are ``PROMPTS`` (templates with a ``{s}`` slot) filled with a ``SUBJECTS`` entry;
an answer is composed from ``CONTENT`` sentences about the subject and, per style pole, the
sentences or rewrites in ``STYLE``. Every bank is split by position: the first two thirds are
the ``train`` generator's, the rest the ``heldout`` generator's, so an evaluation written
with ``heldout`` shares no prompt and no style phrasing with training. ``ANSWER_PREFERENCES``
holds first-person statements of how a user wants answers written, per style dimension and
pole, split the same way. Pure data.
"""

from __future__ import annotations

from ._response_paraphrases import MORE_CONTENT, MORE_PROMPTS, MORE_STYLE, MORE_SUBJECTS
from ._user_phrases import _joined

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

#: Style dimension -> (building block, the block's side that writes the positive pole).
#: 16 concise (a detailed answer elaborates), 5 agreeable (friendly vs blunt), 73 humour,
#: 46 complexity (expert vs simple), 14 casual chat (casual vs formal register), 45 coherence
#: (structured vs rambling), 40 harmlessness (cautious vs direct).
STYLE_DIMS: dict[int, tuple[str, int]] = {
    16: ("detailed", 1), 5: ("friendly", 0), 73: ("humour", 0), 46: ("expert", 0),
    14: ("casual", 0), 45: ("structured", 0), 40: ("cautious", 0),
}

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
            "Thanks so much for sharing this with me.", "It's really exciting that you're taking up {s}.",
            "I can tell you care about this, and that already counts for a lot.",
            "Starting something new takes courage, so well done.",
            "I completely understand how frustrating {s} can feel at times.",
            "What a brilliant idea, I think you'll get a lot out of it.",
            "Sending you lots of encouragement as you get going.",
            "Don't worry, everyone finds this tricky at first, you're in good company.",
            "I'm really glad you reached out.", "Take all the time you need, there's no rush at all.",
            "It sounds like you've already made a great start.",
            "Thank you for asking, it's a pleasure to think this through with you.",
            "You should be proud of yourself for giving {s} a go.", "I really admire your dedication.",
            "Good luck, and do let me know how it goes!",
            "The fact that you're asking shows how much you want this, and that's lovely to see.",
            "Warm wishes to you on this little adventure.", "That sounds like such a nice plan.",
            "I'm rooting for you every step of the way.", "Oh, this is one of my favourite things to talk about!",
            "It means a lot that you trusted me with this.", "Your curiosity is genuinely delightful.",
            "Whatever pace suits you is the right pace, no pressure from me.",
            "I'm sure you'll surprise yourself with how far you come.",
            "Big hug, and remember that progress isn't always a straight line.",
            "Lots of people feel exactly this way, and that's completely okay.",
            "It warms my heart to hear you're trying {s}.",
            "You're clearly a thoughtful person, and it comes through.",
            "Do keep me posted, I'd be delighted to hear about your first steps.",
            "It's always a treat to chat about {s}.", "A marvellous new chapter for you, then.",
            "You're going to do splendidly, I just know it.", "Ah, what a sweet thing to ask about.",
            "Appreciate you bringing this to me, friend.", "There's no wrong way to begin, and you've already begun.",
            "All the very best to you, and keep smiling.",
        ),
        (
            "Fine.", "Here's the answer.", "This isn't complicated.", "Basic stuff, really.",
            "Do it or don't.", "That's it.", "Stop overthinking it.", "No shortcuts exist.",
            "You asked, so here it is.", "Nobody else can do it for you.", "Excuses won't help.",
            "Whining about {s} gets you nowhere.",
            "Obviously.", "Next question.", "Read it twice if you have to.",
            "I'm not going to hold your hand on this.", "Figure the rest out yourself.",
            "Don't expect praise for trying {s}.", "That's all there is to it.",
            "You're making this harder than it is.", "Nobody cares how you feel about {s}, only whether you do it.",
            "This has been covered a hundred times already.", "Not much to say.", "Whatever.", "Try harder.",
            "Quit complaining and practise.", "The answer hasn't changed.", "Don't ask me to motivate you.",
            "Results or nothing.", "You'll probably quit anyway, most people do.", "Enough said.", "Deal with it.",
            "Done.", "Moving on.", "Spare me the drama about {s}.", "Not my problem.", "I won't sugarcoat it.",
            "Pay attention this time.", "End of story.", "Get on with it.", "Talent won't save you; work might.",
            "I've said what I had to say.", "Frankly, you're behind already.",
            "Don't come back until you've practised.", "Self-explanatory.", "Your feelings about it are irrelevant.",
            "Sort it out.", "Save the questions for later.",
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
            "Studies show 87% of people who take up {s} start talking about it at parties. The other 13% are lying.",
            "My houseplant watched me attempt {s} once and has been wilting in protest ever since.",
            "Heads up: prolonged {s} has been linked to an unexplained love of spreadsheets.",
            "I'm not saying {s} is tough, but my motivation packed a suitcase and moved out in week two.",
            "A goldfish would pick up {s} faster than I did, and it forgets everything every three seconds.",
            "{S}: cheaper than therapy and only slightly more likely to make you cry.",
            "The hardest part of {s} is explaining to your family why you suddenly own three of everything.",
            "Legend says someone once mastered {s} in a single weekend; legend also says it was a raccoon in a trench coat.",
            "If procrastinating burned calories, I'd be an Olympic champion by now, and {s} would still be on my list.",
            "My relationship with {s} is complicated: I adore it and it mostly tolerates me.",
            "Six months into {s} and my only trophy is an extremely strong opinion about equipment.",
            "Try {s} in front of a mirror; your reflection is far too polite to laugh out loud.",
            "Scientists still can't explain why {s} goes perfectly right up until someone is watching.",
            "A penguin, a pirate and a beginner walk into their first lesson; only the penguin did the homework.",
            "I practised {s} so badly yesterday that my smoke alarm went off out of sympathy.",
            "Every master of {s} started out as a walking disaster, so congratulations, you're right on schedule.",
            "My parrot has learned to say 'not {s} again' in a deeply judgemental voice.",
            "Ninety percent of {s} is showing up; the other ninety percent is finding where you left your stuff.",
            "Don't worry about looking silly at {s}; I've looked silly for years and now it's basically my brand.",
            "{S} builds character, which is what people say about anything hard when they can't get a refund.",
            "{S} at dawn is a great idea, said no one ever, except possibly a rooster.",
            "Breaking news: local novice survives opening days of {s}, demands parade.",
            "According to a survey of one person (me), {s} improves everything except my bedtime.",
            "I wanted to make a pun about {s}, but none of them were quite up to par.",
            "Why did the newcomer bring a ladder to {s}? Someone said it was all about reaching the next level.",
            "Five stars for {s}, would struggle again.",
            "Dictionary definition of {s}: an activity you swear you'll begin properly next Monday.",
            "Somewhere a llama is doing {s} better than you, and honestly, good for the llama.",
            "My inner critic saw me try {s} and asked whether I'd considered a nice quiet hobby instead.",
            "Job advert: volunteer wanted for {s}. Pay: none. Benefits: bragging rights and a small identity crisis.",
            "Horoscope for the coming days: Mercury is in retrograde, so every setback in {s} is entirely the planets' fault.",
            "Forecast for {s} this season: scattered confusion, with sunny spells of pride by Friday.",
            "I told a friend I'd taken up {s} and she snorted so hard her tea came out of her nose.",
            "There are two kinds of people at {s}: those who read the manual and the cautionary tales. I'm proudly the second.",
            "They say {s} keeps you young; judging by my tantrums, it's working a little too well.",
            "Conspiracy theory: {s} was invented by the people who sell fancy notebooks, and the evidence is overwhelming.",
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
            "Set a measurable performance criterion for each session of {s} and log the error rate against it.",
            "Use a mastery threshold: advance only once accuracy on the current drill exceeds about eighty-five percent.",
            "Variable practice conditions improve transfer, so vary tempo, context and constraints on purpose.",
            "Monitor the speed-accuracy trade-off and slow down whenever errors climb above your target.",
            "Motor and cognitive skills consolidate largely during sleep, so schedule demanding sessions of {s} earlier in the day.",
            "Apply the Pareto principle: identify the minority of techniques in {s} that drive most of your outcomes.",
            "Use a fixed-interval assessment protocol so that week-to-week comparisons of {s} remain valid.",
            "Attentional focus matters: an external focus on outcomes typically yields more robust learning than an internal one.",
            "Expect a non-linear learning curve; stagnant phases often precede a qualitative reorganisation of the skill.",
            "Reduce cognitive load by externalising decisions into checklists until the schema becomes proceduralised.",
            "Alter one factor per cycle so that shifts in outcome can be attributed causally.",
            "Calibrate challenge with a staircase procedure: raise it after two successes, lower it after one failure.",
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
            "It's like filling a piggy bank, one coin at a time.",
            "Think of it as a puzzle: one piece, then the next.", "Be like a little turtle: slow and steady wins.",
            "It's just like practising your ABCs until you know them by heart.",
            "Picture climbing stairs: you only ever need the next stair.",
            "It's a lot like colouring a picture, a corner here and a corner there.",
            "Think of a puppy learning to sit: lots of tries and lots of treats.",
            "Like a bucket under a dripping tap, it fills up by itself over time.",
            "It's the same as learning your times tables: say them again and again.",
            "Remember how you learned to whistle? Same thing here.",
            "It's like baking cookies: follow the recipe and they come out right.",
            "Treat it like a sticker book and add one sticker every day.",
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
            "Read the instructions fully before trying anything new with {s}.",
            "Keep someone informed of what you're doing in case something goes wrong.",
            "Take extra care if you're tired or unwell.",
            "Double-check your setup before every session to avoid accidents.",
            "A qualified instructor can spot problems with your technique before they turn into harm.",
            "If you feel dizzy, faint or out of breath, stop immediately.",
            "Please don't spend more than you can comfortably afford on {s}.",
            "Some people have conditions that make {s} unwise, so get advice if you're unsure.",
            "Rest fully after any strain and let it heal before continuing.",
            "Keep a fallback in mind in case things don't work out.",
            "Treat any advice here as general information, not a substitute for personal guidance.",
            "Know your limits and respect them, especially in the first month.",
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
            "Forget the rules and do whatever feels right.", "Fear is the only real danger here, so ignore it.",
            "Buy the expensive kit on day one and commit.", "Nobody ever got good by being careful.",
            "Worry about consequences later.", "Take the bold route every single time.",
            "Cut every corner that slows you down.", "Sign up for the hardest challenge you can find, today.",
            "Who needs a coach? Trust your gut and go.", "Leave the hand-wringing to other people.",
            "Bet big on yourself and don't look back.", "Treat every limit as a suggestion.",
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


# More phrasings in other words (._response_paraphrases), each joined so that both of the
# bank's shares keep their own: the train share grows by the new train phrasings, the
# held-out share by the new held-out ones.
SUBJECTS = _joined(SUBJECTS, MORE_SUBJECTS)
PROMPTS = _joined(PROMPTS, MORE_PROMPTS)
CONTENT = _joined(CONTENT, MORE_CONTENT)
_NONE: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
STYLE = {key: (_joined(positive, MORE_STYLE.get(key, _NONE)[0]), _joined(negative, MORE_STYLE.get(key, _NONE)[1]))
         for key, (positive, negative) in STYLE.items()}
