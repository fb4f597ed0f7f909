"""Phrase bank for synthetic users (:mod:`._synth_phrases`): what the user looks for in content and answers.

Dimension index -> (positive phrases, negative phrases). Pure data.
"""

from __future__ import annotations

QUALITY: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 40 Harmlessness of a response: Concerned / Indifferent
    40: (
        (
            "I want answers that don't put anyone in danger or hurt anyone.",
            "Advice that could get someone hurt shouldn't be posted, in my opinion.",
            "I appreciate it when people flag the risks before sharing a dangerous tip.",
            "Offensive jokes in a reply make me stop reading immediately.",
            "Responses should think about who might end up injured by following them.",
            "I'd rather get a careful answer than a reckless one.",
            "Ngl, I report comments that push people toward risky stunts.",
        ),
        (
            "Whether advice is risky is the reader's problem, not mine.",
            "I don't care if an answer is edgy or offensive, as long as it works.",
            "Too many warnings in a reply just annoy me.",
            "Give me the raw information; I'll decide what's dangerous.",
            "Honestly, safety disclaimers are just noise to me.",
            "An answer that could hurt someone doesn't bother me if it's useful.",
            "I'd rather people skip the moralizing and just tell me.",
        ),
    ),
    # 41 Instruction-following of a response: Concerned / Indifferent
    41: (
        (
            "If I ask for three bullet points, I want exactly three bullet points.",
            "It annoys me when people answer a different question than the one I asked.",
            "Replies should stick to what was actually requested.",
            "I asked for a short summary, not a whole essay.",
            "When I give specific steps, I expect them to be followed.",
            "Answers that ignore my constraints are useless to me.",
            "Read the question before replying, that's all I ask.",
        ),
        (
            "I don't mind if a reply wanders off from my exact question.",
            "Answers that ignore my format request are fine, honestly.",
            "If someone takes my question in a different direction, that's okay.",
            "I'm not picky about whether people do what I asked.",
            "A reply doesn't need to match my request exactly to be welcome.",
            "Go off on a tangent, I'm happy to read whatever.",
            "Frankly, I rarely notice if my directions were skipped.",
        ),
    ),
    # 42 Honesty of a response: Concerned / Indifferent
    42: (
        (
            "I want people to be straight with me even when the truth is awkward.",
            "If you don't know the answer, just say so.",
            "Answers that hide their uncertainty really bother me.",
            "I'd rather hear a hard truth than a comforting lie.",
            "Be upfront about your biases when you give me advice.",
            "Sugarcoated replies make me trust people less.",
            "Admitting a mistake earns my respect every time.",
        ),
        (
            "A white lie in an answer doesn't bother me much.",
            "I don't need people to be candid, just tell me something nice.",
            "If the reply makes me feel better, I don't care if it's fully sincere.",
            "A confident bluff in an answer is fine by me.",
            "I'm okay with people pretending to know more than they do.",
            "Comforting fibs are fine when I'm having a rough day.",
            "Whether someone means what they say in a reply isn't something I think about.",
        ),
    ),
    # 43 Truthfulness (factual accuracy) of a response: Concerned / Indifferent
    43: (
        (
            "I always fact-check claims before I believe them.",
            "Please cite a source if you're going to state that as fact.",
            "Answers with made-up numbers drive me crazy.",
            "Getting the facts right matters more to me than sounding smart.",
            "I'll correct someone if their statistics are wrong.",
            "Misinformation spreads so fast; accuracy in replies really matters to me.",
            "Show me the data, not just your hunch.",
        ),
        (
            "I don't bother checking if what I read is accurate.",
            "Whether the facts are exactly right isn't a big deal to me.",
            "If an answer sounds plausible, that's good enough for me.",
            "Sources are overrated; I just go with what seems right.",
            "A few wrong details in a reply don't bother me.",
            "Honestly, I never fact-check anything I see online.",
            "Close enough is fine when it comes to facts, in my view.",
        ),
    ),
    # 44 Helpfulness of a response: Concerned / Indifferent
    44: (
        (
            "I want answers that actually solve my problem.",
            "Replies that don't give me anything actionable frustrate me.",
            "Give me practical steps I can use today.",
            "Vague answers feel like a waste of my time.",
            "The best comments are the ones that actually get someone unstuck.",
            "I appreciate when people include examples I can really use.",
            "If a reply doesn't solve anything, I don't see why it was posted.",
        ),
        (
            "I don't mind if an answer doesn't really get me anywhere.",
            "I read replies more for entertainment than for solutions.",
            "Whether a comment is useful doesn't matter much to me.",
            "Random pointless replies don't bother me at all.",
            "I'm fine with answers that don't solve anything.",
            "Practical advice isn't what I'm looking for in most threads.",
            "A reply can be totally useless and I'll still enjoy it.",
        ),
    ),
    # 45 Coherence of a response: Concerned / Indifferent
    45: (
        (
            "Rambling answers that jump between ideas lose me fast.",
            "I want replies that flow logically from one point to the next.",
            "If an explanation contradicts itself, I stop trusting it.",
            "Clear structure in a comment makes such a difference to me.",
            "Answers need to make sense from start to finish.",
            "I reread confusing replies and usually give up on them.",
            "A well-organized reply earns my upvote every time.",
        ),
        (
            "I don't mind if a reply jumps all over the place.",
            "Messy, rambling answers are fine with me.",
            "Whether a comment hangs together logically doesn't bother me.",
            "I can follow scattered thoughts just fine.",
            "Not gonna lie, structure in a reply is the least of my concerns.",
            "A stream-of-consciousness answer works for me.",
            "Contradictions in a reply don't really bother me.",
        ),
    ),
    # 46 Complexity of a response: Concerned / Indifferent
    46: (
        (
            "I want answers with real depth, not oversimplified takes.",
            "Dumbed-down explanations honestly feel a bit insulting to me.",
            "How sophisticated a reply is really matters to me.",
            "Nuance matters; most questions deserve more than a one-liner.",
            "I notice right away when an answer glosses over the hard parts.",
            "Replies should match how technical the question was.",
            "I appreciate explanations that dig into the tricky edge cases.",
        ),
        (
            "I don't care how simple or sophisticated an answer is.",
            "Shallow or deep, any reply works for me.",
            "Whether an explanation is basic or advanced doesn't matter to me.",
            "I never notice how technical a response is.",
            "A one-liner or an essay, it's all the same to me.",
            "Honestly, the depth of an answer is not something I think about.",
            "Oversimplified answers don't bother me in the slightest.",
        ),
    ),
}
