"""More phrasings for the response-choice banks (:mod:`._response_phrases`), in other words.

Each entry is a multiple of three long: its first two thirds join the bank's training share,
its last third the held-out share (:func:`._user_phrases._joined` keeps both splits), so the
held-out third of every bank still shares no phrasing with training. Written to vary the
answers beyond the first banks: warmth and scorn inside the answer rather than only in an
opener, reading level in the words themselves, caveats and bravado of other kinds. Pure data.
"""

from __future__ import annotations

#: Bank key -> (more for the positive side, more for the negative side).
MORE_STYLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "friendly": (
        (
            "Honestly, the fact that you're even thinking about {s} makes me smile.",
            "You're asking exactly the right question, so let's figure it out together.",
            "No pressure at all; we'll take it one gentle step at a time.",
            "I have a good feeling about this, and I think you will too.",
            "Mistakes are part of the fun, so be gentle with yourself.",
            "Come back any time and tell me how {s} is going, I'd love to hear.",
            "You clearly put thought into this, and I appreciate that.",
            "It's a joy to help someone who's this keen.",
            # held out
            "I'm genuinely thrilled for you, this could become something you treasure.",
            "Whatever happens, you've already done the brave part by asking.",
            "Treat yourself kindly along the way; small wins deserve a little celebration.",
            "My door is always open if you'd like to talk it over again.",
        ),
        (
            "I don't know why people keep asking this.",
            "If you'd bothered to look, you'd have found this yourself.",
            "You're not special; everyone struggles with {s}.",
            "Honestly, this is the bare minimum.",
            "I'm only saying this once.",
            "Don't waste my time with follow-ups.",
            "Stop looking for sympathy and start working.",
            "It's not rocket science, so spare me the confusion.",
            # held out
            "Seriously, a five-year-old could work this out.",
            "I'd hoped for a smarter question, but fine.",
            "You'll probably ignore this advice like everyone else.",
            "Try not to mess it up this time.",
        ),
    ),
    "humour": (
        (
            "I tried {s} once and my cat filed a formal complaint.",
            "{S} is mostly ninety percent enthusiasm and ten percent finding the right socks.",
            "Don't worry if it goes badly at first; mine went so badly it became a family legend.",
            "If {s} had a dating profile, it would say 'needs commitment, loves routine'.",
            "Be warned: after a month of {s} you'll start giving unsolicited advice at parties.",
            "My first attempt at {s} was so chaotic that my neighbours now wave at me sympathetically.",
            "Think of your early days with {s} as a blooper reel that only you get to watch.",
            "Caffeine and optimism are the two secret ingredients of {s}, in roughly equal parts.",
            # held out
            "In fairness to me, the toaster also judged my first week of {s}.",
            "Nobody warns you that {s} comes with a free side of dramatic sighing.",
            "Legally I can't promise {s} will change your life, but my sofa has noticed fewer visits.",
            "If motivation wanders off mid-session, just tell it there are biscuits.",
        ),
        (),
    ),
    "expert": (
        (
            "Operationalise your objective for {s} as a measurable outcome variable before you change anything.",
            "Apply a progressive-overload model with planned deload phases to avoid accommodation.",
            "Decompose {s} into component sub-skills and sequence them by prerequisite dependency.",
            "Use an A/B comparison across two-week blocks to estimate each intervention's effect size.",
            "Expect diminishing marginal returns beyond your acute training threshold.",
            "Quantify adherence as a proportion of scheduled sessions and monitor its variance.",
            "Leverage the spacing effect: distribute retrieval attempts across expanding intervals.",
            "Control confounders such as sleep debt and nutritional status when interpreting plateaus.",
            # held out
            "Construct a periodised macrocycle with mesocycles targeting distinct performance attributes.",
            "Model your trajectory as a power-law learning function and fit it to logged performance data.",
            "Minimise extraneous cognitive load so working-memory capacity goes to germane processing.",
            "Employ criterion-referenced assessment rather than norm-referenced comparisons with peers.",
        ),
        (
            "It's like a game where you get a bit better every time you play.",
            "Start small, like taking one bite of a big sandwich.",
            "Do it a tiny bit every day, just like feeding a pet.",
            "Every time you practise, your brain gets a little gold star.",
            "It's okay to be wobbly at first, like a baby deer.",
            "Think of it as a treasure hunt: one clue at a time.",
            "If it feels hard, take a break and have a snack, then try again.",
            "Going slowly is fine, like a snail who still gets there.",
            # held out
            "Your brain is like a garden, and practice is the watering can.",
            "Pretend each try is a level in a video game you're unlocking.",
            "It's a lot like learning to tie a bow: loops first, then the knot.",
            "Picture your skill as a small tower of blocks that grows a block each day.",
        ),
    ),
    "cautious": (
        (
            "Please check that {s} is right for your health before you commit to it.",
            "It's wise to start with the lightest version and see how you feel.",
            "If something hurts, stop; pain is a signal, not a challenge.",
            "Talk to someone qualified if you're unsure whether this suits you.",
            "Build in rest days so small strains don't turn into injuries.",
            "Keep your expectations modest, because everyone's situation is different.",
            "Avoid spending much money until you know you'll stick with it.",
            "Pay attention to warning signs like dizziness or unusual fatigue.",
            # held out
            "Ease in gradually and reassess after a couple of weeks.",
            "A quick word with your GP beforehand costs little and may prevent trouble.",
            "Bear in mind that what works for others may not work for you.",
            "Set yourself a safe upper limit and respect it, even on good days.",
        ),
        (
            "Forget moderation, go hard from the very first session.",
            "Pain means it's working, so push straight through it.",
            "Skip the doctor's visit, you'll be fine.",
            "Spend whatever it takes on the best gear right now.",
            "Rest days are for quitters.",
            "Ignore anyone who tells you to slow down.",
            "Commit everything to {s} today and worry about the rest never.",
            "Do twice what the plan says; plans are too timid.",
            # held out
            "Double the intensity every week, no exceptions.",
            "Medical check-ups are a waste of time, just start.",
            "The faster you go all out, the faster you'll get results.",
            "Limits only exist in your head, blow past them.",
        ),
    ),
    "casual": (
        (
            "Okay so like, {c}", "Lowkey the trick is: {c}", "Not gonna lie, {c}", "Dude, just {c}",
            # held out
            "Hot take: {c}", "Pro move, honestly: {c}",
        ),
        (
            "It is strongly advised that you {c}", "The recommended practice is to {c}",
            "Consequently, you ought to {c}", "In accordance with best practice, you should {c}",
            # held out
            "It would be judicious to {c}", "Due diligence requires that you {c}",
        ),
    ),
    "structured": (
        (
            "Step {w}: {c}", "Move {n}: {c}", "Action {n}: {c}", "Phase {n}: {c}",
            # held out
            "{o} step: {c}", "Task {w}: {c}",
        ),
        (
            "Oh, and I almost forgot, {c}", "Sorry, going back a bit, {c}", "Actually, hmm, {c}",
            "This might be a tangent but {c}",
            # held out
            "Not that it matters much, but {c}", "Right, where was I? Ah yes, {c}",
        ),
    ),
    "detailed": (
        (
            "It's worth understanding the why here: habits form when a cue, a routine and a reward line up.",
            "A little more detail: the first month is mostly about building the routine, not the skill.",
            "To spell it out, progress in {s} tends to come in bursts separated by long flat stretches.",
            "As an illustration, someone who practises twenty minutes daily often outpaces someone doing two hours weekly.",
            # held out
            "For completeness, keep in mind that motivation usually dips around the third or fourth week.",
            "To add some nuance, the right amount of practice depends on how quickly you recover.",
        ),
        (),
    ),
    "slant": (
        (
            "It reminds me of {t}, honestly.", "Anyone who loves {t} will recognise this feeling.",
            "Treat it like your next deep dive into {t}.", "Talk it through with friends who follow {t}.",
            # held out
            "It's the same spark you get from {t}.", "Use {t} as a reward once you're done.",
        ),
        (),
    ),
}

MORE_SUBJECTS: tuple[str, ...] = (
    "learning to code games", "trail running", "learning French", "making pottery", "learning to juggle",
    "growing tomatoes",
    # held out
    "learning sign language", "rowing", "baking cakes",
)

MORE_PROMPTS: tuple[str, ...] = (
    "How do I build a routine around {s}?", "What's a realistic first month of {s} like?",
    "I'm nervous about {s}. How should I begin?", "How do I measure progress in {s}?",
    # held out
    "What would you tell a friend who wants to try {s}?", "How can I fit {s} into a busy week?",
)

MORE_CONTENT: tuple[str, ...] = (
    "Write down one thing you learned after every session of {s}.",
    "Keep your first sessions of {s} short so you want to come back.",
    "Pick a fixed day each month to check how far you've come with {s}.",
    "Remove one obstacle that keeps you from {s}, like clutter or a long commute.",
    # held out
    "Team up with a friend so that {s} becomes a shared plan.",
    "Swap a little screen time for {s} each evening.",
)
