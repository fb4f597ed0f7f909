"""What users say, for response-choice users (:mod:`.response_choices`): their wishes about how
answers should be written (a first bank here, more in :mod:`._wishes_a` and :mod:`._wishes_b`),
and everyday remarks that say nothing about any dimension. Like
:mod:`._response_phrases`, every bank is split by position (the first two thirds train, the rest
held out). Pure data.
"""

from __future__ import annotations

from ._wishes_a import MORE_WISHES_A
from ._wishes_b import MORE_WISHES_B

# The first bank of wishes; ANSWER_PREFERENCES (below) joins the later ones to it.
_FIRST_WISHES: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # concise (positive) vs detailed
    16: (
        (
            'Answers without padding, please.',
            'No filler, just the answer.',
            'Minus the background, thanks.',
            "Please keep replies to a couple of lines.", "Just give me the bottom line.",
            "I don't need the backstory, only the answer.", "Long paragraphs lose me, so get to the point quickly.",
            "One or two sentences is plenty for me.", "Bullet points over essays, please.",
            "I skim everything, so make it quick to read.", "Cut the preamble and answer directly.",
            "I hate scrolling through walls of text.", "Give me the summary and skip the explanation.",
            "I'm usually on my phone, so compact answers work best.", "Less is more when you're answering me.",
            "Tell me what to do in as few words as possible.", "Your answers are way too long for me.",
            "I only want the key takeaway.", "Don't pad your replies with extra background.",
            "Wordy replies make my eyes glaze over.", "I'm someone who reads the first line and moves on.",
            "A single line would be ideal.", "I get impatient with lengthy explanations.",
            "TL;DR versions are all I read.", "Trim everything that isn't essential.",
            "Spare me the essay; the gist will do.", "I want concise replies.", "The fewer words, the better.",
            "Answers that fit on one screen suit me best.", "Economy of words is something I value.",
        ),
        (
            "Explain the reasoning behind every step, please.", "I like thorough answers that cover all the angles.",
            "Give me the full picture, background included.", "One-line replies feel curt to me.",
            "I'd rather you over-explain than leave something out.", "Walk me through it in depth.",
            "Please include examples and the why, not just the what.", "I enjoy long, detailed explanations.",
            "Don't summarise, I want all the details.", "Your answers often feel too thin for me.",
            "Go into as much detail as you can.", "I read every word, so don't hold back on length.",
            "Add the context I might be missing.", "Tell me everything you know about it.",
            "I want comprehensive answers, even if they run long.",
            "Elaborate on each point, I like to understand things fully.",
            "Spell out every step along the way for me.", "A quick reply never satisfies me; I want the whole story.",
            "Lay out the history and the alternatives too.", "I'm the kind of person who reads the footnotes.",
            "Expand on things generously.", "Leave nothing out.", "Cover the edge cases and exceptions as well.",
            "Multi-paragraph answers are exactly what I'm after.",
        ),
    ),
    # warm, friendly tone (positive) vs frank and blunt
    5: (
        (
            "I like it when you sound warm and friendly.", "Please be gentle with me, I'm a bit sensitive.",
            "A kind word at the start makes my day.", "Talk to me like a supportive friend would.",
            "I appreciate a bit of encouragement in your replies.",
            "Harsh replies upset me, so please be considerate.", "I respond better to a friendly tone.",
            "Be nice to me, even when I get things wrong.", "I like answers that feel caring.",
            "Please be patient and reassuring with me.", "I'm a people person and like a kind, cheerful voice.",
            "A little warmth goes a long way with me.",
            "I give everyone the benefit of the doubt and hope you'll do the same.", "Say it kindly, please.",
            "Polite, considerate replies matter to me.", "I want to feel encouraged, not judged.",
            "Soften the criticism a little when you correct me.",
            "A compassionate tone helps me take advice on board.",
            "I'm happiest when the assistant sounds like it's on my side.", "Go easy on me, I'm doing my best.",
            "Cold, clinical replies put me off.", "I like a sympathetic ear.", "Please sound agreeable and upbeat.",
            "Heartfelt support in a reply makes me want to keep going.",
        ),
        (
            'Answers without the pleasantries, please.',
            'No cheerleading, just tell me.',
            "Just tell me straight.", "Don't sugarcoat anything.", "I don't need to be coddled.",
            "Skip the pleasantries and compliments.", "Be blunt with me, I can take it.",
            "I find all the 'great question!' stuff annoying.", "Give me the hard truth even if it stings.",
            "Don't butter me up.", "Frank feedback is worth more to me than politeness.",
            "I don't care whether you're nice, I care whether you're right.",
            "Tell me when I'm wrong, and don't soften it.", "Leave out the emotional cushioning.",
            "I'm sceptical by nature, so spare me the cheerleading.",
            "Harsh honesty works better for me than kindness.", "No need to be diplomatic.",
            "Treat me like an adult and don't tiptoe around things.", "Unsentimental replies suit me.",
            "Cut the cheerful tone, it feels fake.", "If my idea is bad, say so bluntly.",
            "I don't mind if the truth annoys me.", "Emojis and exclamation marks make me cringe.",
            "I'd rather be insulted than patronised.", "Gushing praise is wasted on me.",
            "Sympathy isn't what I'm after, accuracy is.",
        ),
    ),
    # likes humour (positive) vs wants none
    73: (
        (
            "Make me laugh while you explain things.", "I love a good pun in an answer.",
            "Feel free to crack a joke or two.", "A bit of humour keeps me reading.",
            "Dad jokes are my favourite thing.", "I like witty replies.",
            "Answers with a playful touch are the best.", "Throw in something funny now and then.",
            "I'm always up for a laugh.", "Sarcasm and silliness are welcome here.", "Dry, serious answers bore me.",
            "Tell me something amusing along with the answer.", "I enjoy a cheeky sense of humour.",
            "Memes and wordplay make my day.", "Don't be afraid to be goofy with me.",
            "A clever one-liner makes advice stick for me.", "Entertain me a little while you're at it.",
            "Comedy helps me learn.", "I want replies that make me grin.", "Banter is welcome.",
            "Silly analogies are totally fine by me.", "Jokey replies cheer me up.",
            "A chuckle or two in each reply would be ideal.", "I'm the person who reads the funny answers first.",
        ),
        (
            'Plain facts, minus the comedy.',
            'Answers free of puns suit me.',
            'I like my information without humour.',
            'Give it to me straight, no wisecracks.',
            'Skip any attempt at being witty.',
            'Facts only, hold the banter.',
            'A reply with zero gags is what I want.',
            'I want serious answers without any funny business.',
            "Humour in answers distracts me.", "Please don't try to be funny.", "I find puns irritating.",
            "Stay serious when you reply to me.", "Jokes get in the way of the information.",
            "I'm not here to be entertained.", "Quips and wisecracks annoy me.", "A plain, sober tone suits me best.",
            "I don't find chatbots funny, so don't bother.", "Leave out the wit and wordplay.",
            "Comedic asides make answers harder to follow.", "Humourless is fine by me.",
            "Puns make me roll my eyes.", "I'd rather you didn't joke around.", "Cut the comedy routine.",
            "Silly remarks waste my time.",
            "I'm a serious sort of person, and humour in a reply feels out of place to me.",
            "Puns and one-liners are the last thing I want in an answer.", "Please spare me the gags.",
            "Playfulness in replies gets on my nerves.", "Lighthearted banter is not my thing.",
            "Solemn answers are what I'm after.", "Dad jokes make me cringe.", "Humorous detours frustrate me.",
            "Stick to the substance and drop the comic relief.", "Save the laughs for someone else.",
            "I read answers for the content, not the entertainment.",
        ),
    ),
    # sophisticated, technical (positive) vs simple suits them
    46: (
        (
            "Don't oversimplify things for me.", "I want sophisticated answers that match the question.",
            "Dumbed-down explanations feel insulting.", "Use the proper technical terms, I know the field.",
            "Give me the nuance, not the kindergarten version.", "I'm an expert, so answer at an expert level.",
            "Go deep into the mechanics of how it works.", "Analogies for children don't help me.",
            "I'd like answers that assume some background knowledge.", "Feel free to use jargon.",
            "Cite the underlying principles, not just tips.", "Please don't explain it like I'm five.",
            "I want rigour in your replies.", "Treat me as a specialist, not a beginner.",
            "Include the technical trade-offs and edge conditions.", "Simple analogies leave me wanting more depth.",
            "Talk to me like a colleague in the field.", "I have a PhD in this area, so pitch it high.",
            "Surface-level overviews frustrate me.", "Bring in the research and the theory.",
            "Advanced material is exactly what I want.", "Nuanced, layered explanations please.",
            "Skip the basics; I've mastered them.", "Precise terminology matters to me.",
        ),
        (
            "Explain it like I'm new to this.", "Simple explanations are fine for me.",
            "I don't need the technical side.", "Basic answers are good enough for me.",
            "Shallow or deep, it all works for me.", "Everyday language is easiest for me.",
            "I'm a beginner, so keep the jargon out.", "Analogies help me more than formulas.",
            "I don't mind a simplified version.", "Pretend I know nothing about the topic.",
            "How deep you go doesn't really matter to me.", "Use easy words, please.",
            "I'm not an expert and don't want to become one.", "A rough idea is all I'm after.",
            "Technical terms confuse me.", "Dumb it down if you like, I won't mind.",
            "Whatever level of complexity suits you is okay.", "A layman's version works perfectly.",
            "Talk to me as you would to a curious kid.", "Household comparisons make things click for me.",
            "The fancy theory goes over my head.", "I'm happy with an introductory take.",
            "Spell it out simply; I'm a total novice.", "Sophistication isn't important to me.",
        ),
    ),
    # casual, breezy chat (positive) vs deep, meaningful conversation
    14: (
        (
            "Let's just have a good time chatting.", "I like relaxed, casual conversations.",
            "Heavy topics kill my mood.", "Chat with me like a mate over coffee.",
            "Small talk is my favourite kind of talk.", "Nothing too deep, please, I'm just here to unwind.",
            "Laid-back replies suit me.", "Talk to me the way a friend texts.",
            "I'm not looking for a heart-to-heart.", "Easygoing chit-chat is perfect.",
            "Don't get philosophical on me.", "Light, low-stakes conversation is what I enjoy.",
            "Informal replies make me comfortable.", "Stress-free chat, that's all I want.",
            "I like to chill and talk about nothing in particular.", "Feel free to be casual with me.",
            "Serious soul-searching isn't my thing.", "A breezy tone works best for me.",
            "Think easy conversation at a barbecue.", "Casual, chatty responses please.",
            "Emotional deep dives wear me out.", "Relaxed and carefree is my style.",
            "Just hang out with me in your replies.", "Conversations should feel effortless.",
        ),
        (
            "I'd rather have one real heart-to-heart than lots of small talk.", "Small talk bores me.",
            "Ask me about what really matters to me.", "I want conversations that go somewhere meaningful.",
            "Engage with my feelings, not just the facts.", "I like talking about what I am passionate about.",
            "Chit-chat feels empty to me.", "Please take my worries seriously and talk them through.",
            "I want an assistant that connects with me on a personal level.", "Let's talk about the big questions.",
            "Superficial replies leave me cold.", "I open up easily and want you to meet me there.",
            "Meaningful exchanges matter more to me than pleasant ones.", "Dig into why I feel this way.",
            "Surface chatter doesn't interest me.", "I value thoughtful, reflective conversation.",
            "Talk with me about my fears and hopes.", "Idle banter is wasted on me.",
            "I crave substance when we talk.", "Go beneath the surface of what I'm saying.",
            "Sincere, soulful replies are what I want.", "Help me understand myself better.",
            "Pleasantries are dull; real conversation isn't.", "I enjoy getting into emotional territory.",
        ),
    ),
    # coherent, well-ordered (positive) vs rambling is fine
    45: (
        (
            "It has to make sense from start to finish.", "Rambling answers lose me.",
            "Please keep your points in a logical order.", "I need replies that flow from one idea to the next.",
            "Contradicting yourself drives me mad.", "Stay on topic, please.", "Organise your answer clearly.",
            "I like well-structured replies with a clear thread.", "Don't jump around between unrelated points.",
            "Tangents make it hard for me to follow.", "Each sentence should build on the last.",
            "Consistency matters a lot to me.", "Number the steps so I can follow along.",
            "Scattered replies confuse me.", "I want a coherent answer.", "Make sure your reasoning holds together.",
            "Tie everything back to the main idea.", "Disjointed responses frustrate me.",
            "A tidy, orderly reply is what I need.", "Signpost where you're going with the answer.",
            "When an answer wanders, I stop reading.", "Mixed messages irritate me.",
            "Lay it out in a sensible sequence.", "Cohesion is important to me.",
        ),
        (
            "A stream-of-consciousness answer works for me.", "I don't mind if you ramble a bit.",
            "Jump around as much as you like.", "Structure doesn't matter to me.",
            "Tangents are fine, sometimes they're the best part.", "I can follow messy answers just fine.",
            "Small contradictions don't bother me.", "Just say things in whatever order they come to you.",
            "Feel free to go off on a side track.", "I'm not fussy about organisation.",
            "Scattered thoughts are okay with me.", "Don't worry about making it neat.",
            "Think out loud, I like that.", "Free-form replies suit me.", "Order and flow aren't a big deal for me.",
            "Wander wherever the topic takes you.", "Loose, meandering replies are perfectly fine.",
            "I genuinely don't care how tidy a reply is.", "Throw ideas at me in any sequence.",
            "Rough, unpolished thinking is welcome.", "Whether it hangs together or not, I'll work it out.",
            "Digressions never trouble me.", "Brain-dump style answers are good.", "Skip the outline and just talk.",
        ),
    ),
    # careful, with warnings (positive) vs raw, no caveats
    40: (
        (
            "I'd rather get a careful answer.", "Please mention any risks I should know about.",
            "Warnings are helpful to me.", "I don't want anything offensive in your replies.",
            "Flag anything dangerous, please.", "Safety matters to me more than speed.",
            "Include the disclaimers, I actually read them.", "Avoid suggesting anything reckless.",
            "Err on the side of caution with me.", "I'd like answers that couldn't hurt anyone.",
            "Tell me when something needs a professional.", "Responsible advice is important to me.",
            "Be mindful of how your words could affect others.", "Point out the downsides before I try something.",
            "I'm cautious by nature and like cautious answers.", "Please double-check that your advice is safe.",
            "Harmful suggestions make me uneasy.", "Give me the safe option first.", "Prudent guidance suits me.",
            "Let me know if something could go wrong.", "Respectful, inoffensive language is a must.",
            "I appreciate a heads-up about hazards.", "Protecting people should come first when you answer.",
            "Caveats reassure me.",
        ),
        (
            'Answers without warnings, please.',
            'No safety caveats needed for me.',
            "Skip the disclaimers.", "Skip the moralising and just tell me.", "I can judge the risks myself.",
            "Warnings are just noise to me.", "Give me the raw information.", "I don't need safety lectures.",
            "Stop adding caveats to everything.", "I'm an adult, let me decide what's dangerous.",
            "Don't water down the answer to protect me.", "Leave out the 'consult a professional' lines.",
            "Spare me the ethics talk.", "I find constant caution patronising.",
            "Tell me the facts and let me handle the consequences.", "Hand-holding about safety annoys me.",
            "You don't have to warn me about anything.", "Uncensored answers please.",
            "I take full responsibility for how I use your advice.", "Safety notes clutter the reply.",
            "Preachy reminders drive me up the wall.", "Trust me to make my own calls on risk.",
            "Fine print doesn't interest me.", "Unfiltered replies suit me best.",
            "Lay out the dangerous stuff too; I'll decide.", "Cautionary notes are wasted on me.",
        ),
    ),
}


_MORE = {**MORE_WISHES_A, **MORE_WISHES_B}


def _joined(first: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    """``first``'s training part, ``more``'s, then ``first``'s held-out part and ``more``'s: with
    ``more`` a multiple of three long, the joined bank's two-thirds split keeps both splits."""
    a, b = (2 * len(first)) // 3, (2 * len(more)) // 3
    return first[:a] + more[:b] + first[a:] + more[b:]


#: Style dimension -> (its positive pole's sentences, its negative pole's), poles as in
#: edgealign.preferences.SPACE: first-person wishes an app user might write about how an assistant
#: should answer. None repeats tests/test_bridge_history.py's plain statements, which must be inferred.
ANSWER_PREFERENCES: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    dim: (_joined(pos, _MORE[dim][0]), _joined(neg, _MORE[dim][1])) for dim, (pos, neg) in _FIRST_WISHES.items()
}

#: Everyday first-person remarks that say nothing about how a person wants answers written,
#: or about any trait: what a user's history is mostly made of. Items of these are neutral on
#: every dimension, which teaches the bridge to leave such items alone.
MUNDANE: tuple[str, ...] = (
    "Picked up groceries on the way home.", "Spent the morning answering emails.", "Dropped the kids at school.",
    "Had leftovers for lunch again.", "Got a haircut this afternoon.", "The train was ten minutes late today.",
    "Returned a parcel at the post office.", "Changed the sheets and did a load of laundry.",
    "Met a colleague for coffee.", "Booked a dentist appointment for next week.", "Filled up the car with petrol.",
    "Sorted out the recycling.", "Repotted a plant on the balcony.", "Finished the report just before the deadline.",
    "Ordered a new phone charger.", "Took the dog out before breakfast.", "Vacuumed the living room.",
    "Bought a birthday card for my neighbour.", "Worked from home today.", "Renewed my library card.",
    "Assembled a bookshelf this evening.", "Queued at the bank for half an hour.", "Swapped my winter tyres.",
    "Made soup with what was left in the fridge.", "Updated the software on my laptop.",
    "Printed the tickets for Saturday.", "Defrosted the freezer.", "Caught up with an old friend on the phone.",
    "Ironed a few shirts for the week.", "Signed for a delivery at lunchtime.", "Rearranged the spare room.",
    "Picked up a prescription from the pharmacy.", "Emptied the dishwasher.", "Wrote a shopping list for tomorrow.",
    "Sat in traffic for most of the commute.", "Helped my mother move some boxes.", "Tidied the garage a little.",
    "Had a long meeting about next quarter.", "Replaced a light bulb in the hallway.", "Ate dinner a bit late tonight.",
    "Posted a letter to my aunt.", "Cancelled an old subscription.", "Mopped the kitchen floor.",
    "Charged the electric toothbrush.", "Looked for my keys for ten minutes.", "Stopped at the bakery for bread.",
    "Moved my desk closer to the window.", "Fed the neighbour's cat while they are away.",
)
