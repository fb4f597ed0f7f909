"""Phrase bank for synthetic users (:mod:`._synth_phrases`): who the user is and how they live (demographics and dispositional traits, work and life style).

Dimension index -> (positive phrases, negative phrases). Pure data.
"""

from __future__ import annotations

PERSON: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 0 Age group: Young / Older
    0: (
        (
            "My college roommate still borrows my charger every single night.",
            "Just finished my sophomore finals and I'm completely wiped out.",
            "My parents still won't let me forget the time I scratched their car.",
            "Between classes and my part-time barista job, I barely sleep.",
            "Turning twenty next month and I still have no idea what I'm doing.",
            "Most of my friends are still figuring out what to major in.",
            "Still living at home while I put money aside for my first apartment.",
            "My first real job out of school has been a wild ride.",
        ),
        (
            "My grandkids visited last weekend and wore me out completely.",
            "After thirty years at the same company, retirement feels strange.",
            "My knees remind me of my age every time it rains.",
            "Back in the seventies we didn't have any of this technology.",
            "Now that the kids have moved out, the house is very quiet.",
            "We've been married forty years, so I've seen a few arguments.",
            "Retired last spring and finally have time for the garden.",
            "Our eldest grandson just started college, which makes me feel ancient.",
        ),
    ),
    # 1 Gender: Female / Male
    1: (
        (
            "As a mom of two, my mornings are pure chaos.",
            "My husband and I finally repainted the nursery last weekend.",
            "Being the only woman on my engineering team has taught me a lot.",
            "My sisters and I do a girls' trip every summer.",
            "Speaking as a woman, finding pants with real pockets is a nightmare.",
            "My boyfriend thinks I own too many handbags, and he might be right.",
            "During my pregnancy I craved pickles constantly.",
            "As a daughter and a mother myself, I can see both sides here.",
        ),
        (
            "As a dad, I've learned to sleep through almost anything.",
            "My wife and I finally repainted the nursery last weekend.",
            "Speaking as a guy, I never know what to wear to weddings.",
            "My girlfriend says I need more than three shirts, and she's probably right.",
            "Growing a beard was the best decision I made this year.",
            "Me and the guys do a fishing trip every summer.",
            "As a husband and father of three, free time is rare.",
            "My son and I spent the whole weekend building a treehouse.",
        ),
    ),
    # 2 Neuroticism: High / Low
    2: (
        (
            "I lie awake replaying every awkward thing I said that day.",
            "Even small changes to my schedule leave me anxious for hours.",
            "One unanswered text and my mind jumps to the worst case.",
            "My mood can swing from fine to miserable over something tiny.",
            "Not gonna lie, I worry about things that will probably never happen.",
            "Criticism at work sticks with me for days, even when it's minor.",
            "Whenever the phone rings unexpectedly, my stomach drops.",
            "Stress gets to me faster than it seems to get to other people.",
        ),
        (
            "Most things that stress people out just roll off my back.",
            "Even when plans fall apart, I stay pretty calm about it.",
            "I rarely lose sleep over anything, honestly.",
            "Bad news happens; I deal with it and move on.",
            "My friends call me the calm one during any crisis.",
            "Criticism doesn't rattle me, I just take what's useful from it.",
            "Worrying about what might go wrong has never been my thing.",
            "A missed flight barely bothers me, I just grab a coffee and rebook.",
        ),
    ),
    # 3 Extraversion: High / Low
    3: (
        (
            "Nothing recharges me like a packed party full of new faces.",
            "I'll strike up a conversation with literally anyone in line.",
            "Weekends alone at home make me restless; I need people around.",
            "Hosting game night for twenty friends is my idea of a great time.",
            "Honestly, I get my best energy from being in a crowd.",
            "My friends say I never stop talking, and they're right.",
            "Give me a loud bar with friends over a quiet night in any day.",
        ),
        (
            "After a big social event I need a full day alone to recover.",
            "A quiet evening with a book beats any party for me.",
            "Small talk with strangers drains me faster than anything.",
            "I usually stay near the edges at gatherings and leave early.",
            "My ideal weekend involves seeing basically nobody.",
            "Phone calls exhaust me, so I text whenever possible.",
            "Big crowds wear me out, even when I'm having a good time.",
        ),
    ),
    # 4 Openness: High / Low
    4: (
        (
            "I love trying cuisines I can't even pronounce.",
            "Give me a weird experimental film over a blockbuster any day.",
            "Every year I pick up a totally new hobby just to see what happens.",
            "Unfamiliar ideas excite me, even the ones I end up disagreeing with.",
            "Traveling somewhere with no plan sounds like a perfect week to me.",
            "My bookshelf jumps from philosophy to astrophysics to poetry.",
            "Whenever someone suggests something unconventional, my first answer is yes.",
        ),
        (
            "I order the same dish at my favorite restaurant every time.",
            "Abstract art and poetry just don't do anything for me.",
            "I prefer sticking with routines that I know already work.",
            "Newfangled ideas usually strike me as more trouble than they're worth.",
            "My vacation spot has been the same lake cabin for fifteen years.",
            "Personally, I don't see the point of trying something just because it's different.",
            "Familiar music and familiar food are what make me comfortable.",
        ),
    ),
    # 5 Agreeableness: High / Low
    5: (
        (
            "I'll usually give people the benefit of the doubt.",
            "If a coworker needs help, I drop what I'm doing to pitch in.",
            "Keeping the peace matters more to me than winning an argument.",
            "Most people are decent if you treat them kindly, in my experience.",
            "Honestly, I find it hard to say no when someone asks for a favor.",
            "I try to see things from the other person's side before reacting.",
            "Forgiving people comes pretty easily to me.",
        ),
        (
            "I don't sugarcoat things, and I don't care if that annoys people.",
            "Most people are looking out for themselves, so I do the same.",
            "If someone's wrong, I'm going to tell them, feelings or not.",
            "Favors for others aren't my priority; I've got my own stuff.",
            "I'm pretty skeptical of anyone who's too nice.",
            "I hold grudges, and I don't feel bad about it.",
            "Arguing doesn't bother me; I'd rather be right than liked.",
        ),
    ),
    # 6 Conscientiousness: High / Low
    6: (
        (
            "My calendar is color-coded and I actually stick to it.",
            "I finish assignments days before the deadline, every time.",
            "Before any trip I write a packing list and check it twice.",
            "Being late even five minutes makes me genuinely uncomfortable.",
            "Every bill I have is on autopay and tracked in a spreadsheet.",
            "If I commit to something, I follow through no matter what.",
            "Crossing off every item on my to-do list is how I end each day.",
        ),
        (
            "Deadlines are more like suggestions to me, honestly.",
            "My desk is a mess and I somehow still find everything eventually.",
            "I usually start projects the night before they're due.",
            "Planning ahead isn't my thing; I mostly wing it.",
            "Half my to-do lists get lost before I finish them.",
            "I forgot my dentist appointment again, third time this year.",
            "Packing for trips happens about twenty minutes before I leave.",
        ),
    ),
    # 7 A certain food: Likes / Dislikes
    7: (
        (
            "There's one dish I could eat every single day.",
            "I'd drive an hour just for my favorite ramen place.",
            "Spicy food is my absolute weakness; I put hot sauce on everything.",
            "Give me a good slice of pizza and I'm happy for the week.",
            "My love for dark chocolate is basically a personality trait at this point.",
            "Sushi night is the highlight of my week, no question.",
            "Real talk, I'd eat tacos for breakfast, lunch, and dinner.",
        ),
        (
            "Some foods I simply refuse to eat, no matter who cooked.",
            "Cilantro tastes like soap to me, so I pick it out of everything.",
            "Mushrooms are a hard no for me, the texture alone ruins them.",
            "I can't stand seafood; even the smell puts me off.",
            "Olives ruin any dish they touch, in my opinion.",
            "My friends tease me because I won't touch anything with mayo.",
            "Anything with raw onion in it goes straight back to the kitchen.",
        ),
    ),
    # 8 A certain living environment: Likes / Dislikes
    8: (
        (
            "I could never leave the city; I love the noise and energy.",
            "Living near the ocean is the only place I've ever felt at home.",
            "My dream is a little cabin in the woods with no neighbors.",
            "There's one neighborhood I'd move back to in a heartbeat.",
            "Small-town life suits me perfectly; everyone knows everyone.",
            "A bright apartment with big windows is all I need to be happy.",
            "I specifically chose my town for the mountains and clean air.",
        ),
        (
            "Big cities stress me out; I can't handle the crowds and noise.",
            "Suburbs feel soulless to me, every house looks the same.",
            "I'd hate living somewhere rural with nothing nearby.",
            "Humid climates make me miserable, I'd never live down south again.",
            "Tiny apartments with no natural light really drag my mood down.",
            "Cold, snowy winters are why I moved away from my hometown.",
            "Living next to a busy highway was the worst year of my life.",
        ),
    ),
    # 9 Sleep: Likes / Dislikes
    9: (
        (
            "Nothing beats sleeping in until noon on a Sunday.",
            "A good afternoon nap is honestly the best part of my day.",
            "I guard my nine hours of rest like my life depends on it.",
            "My bed is my favorite place on earth, no contest.",
            "I'll skip a party if it means getting a full night's rest.",
            "Honestly, being well rested makes me a completely different person.",
            "Weekend lie-ins are non-negotiable in my house.",
        ),
        (
            "Eight hours in bed every night feels like wasted time to me.",
            "Five hours a night is plenty for me, honestly.",
            "I resent going to bed when there's so much to do.",
            "Naps make me groggy, so I never take them.",
            "I'm usually up before dawn because lying in bed bores me.",
            "If I never had to shut my eyes at night, I'd get so much more done.",
            "Staying up late working feels better to me than going to bed.",
        ),
    ),
    # 10 Investment: Aggressive / Conservative
    10: (
        (
            "I put most of my money into high-growth tech stocks.",
            "Crypto is a big chunk of my portfolio, and I'm fine with the swings.",
            "If you're not taking risks, you're never going to get rich.",
            "I bought more when the market crashed, because that's the opportunity.",
            "Index funds are too slow for me; I pick individual stocks.",
            "I'd rather swing big and lose than play it safe forever.",
            "I've been trading options on the side and love the thrill.",
        ),
        (
            "Most of my money sits in bonds and a high-yield account.",
            "Slow and steady index funds are all I trust.",
            "I'd rather earn less than risk losing what I've built up.",
            "Crypto looks like gambling to me, so I stay away.",
            "Every market dip makes me want to move everything into cash.",
            "My retirement plan is boring on purpose, and that's how I like it.",
            "I only put money into safe, low-risk funds I fully understand.",
        ),
    ),
    # 11 Saving: Good at / Bad at
    11: (
        (
            "I put twenty percent of every paycheck aside before touching anything else.",
            "My emergency fund covers a full year of expenses.",
            "I track every dollar I spend in a budgeting app.",
            "Impulse buys almost never happen for me; I wait a week first.",
            "I've been putting money away since my very first summer job.",
            "Cooking at home instead of eating out has built up a nice cushion.",
            "Coupons and price comparisons are basically a hobby for me.",
        ),
        (
            "Money burns a hole in my pocket the moment payday hits.",
            "I always mean to put some aside, but it never happens.",
            "My bank account is basically empty by the end of every month.",
            "One bad day and I'm ordering stuff online I don't need.",
            "Budgets just don't stick for me, no matter how many apps I try.",
            "I've got zero emergency fund, which honestly scares me a little.",
            "Somehow my paycheck disappears within a week every time.",
        ),
    ),
    # 14 Depth of interaction: Superficial (light, casual) / Deep
    14: (
        (
            "I'd rather keep things light and just chat about the weather.",
            "Small talk at the coffee machine is my favorite kind of conversation.",
            "Heavy conversations at parties kill the mood for me.",
            "I like friendships where we just joke around and hang out.",
            "Nobody needs to hear my life story; let's just have a good time.",
            "Keep it breezy; I don't need to dig into feelings with everyone.",
            "Casual banter with neighbors is about as deep as I like to go.",
        ),
        (
            "I'd rather have one real heart-to-heart than ten shallow chats.",
            "Small talk bores me; tell me what actually keeps you up at night.",
            "My favorite nights are spent talking about life until 3am.",
            "I want friends I can talk to about fears, dreams, everything.",
            "Frankly, chatting about the weather feels like a waste of time.",
            "Give me a long conversation about someone's passions any day.",
            "The best connections I've made started with really personal conversations.",
        ),
    ),
    # 15 Conflict: Direct / Avoidance, mediation, compromise
    15: (
        (
            "If something bothers me, I say it right away instead of stewing.",
            "I'd rather have an awkward conversation now than resentment later.",
            "When my roommate crossed a line, I told him straight to his face.",
            "Passive aggressive notes drive me nuts; just talk to me.",
            "Conflicts get resolved faster when everyone is blunt.",
            "I always raise problems with my boss head on.",
            "Clearing the air face to face is the only way I know how to handle fights.",
        ),
        (
            "I usually let things slide rather than start an argument.",
            "When friends fight, I'm the one who tries to find a middle ground.",
            "Confrontation makes me so uncomfortable that I'll just walk away.",
            "Honestly, I'd rather compromise than risk a blowup.",
            "Sometimes I ask a mutual friend to help smooth things over.",
            "I tend to wait until tempers cool before bringing anything up.",
            "Meeting halfway usually beats fighting it out, in my opinion.",
        ),
    ),
    # 16 Communication: Concise / Detailed
    16: (
        (
            "Short answers work best for me.",
            "Give me the bullet points and skip the backstory.",
            "My texts are usually three words or less.",
            "I'll say what I need to in one sentence and be done.",
            "Long emails drive me crazy, just get to it.",
            "The fewer words the better.",
            "If it takes more than a paragraph, I probably cut it down.",
        ),
        (
            "I tend to tell stories with every little detail included.",
            "My friends joke that my texts read like essays.",
            "When I explain something, I want to cover every angle thoroughly.",
            "I'd rather over-explain than leave someone confused.",
            "Sorry in advance, this comment is going to be a long one.",
            "I always add background and context so people get the full picture.",
            "A one-line reply feels rude to me; I like to elaborate.",
        ),
    ),
    # 17 A certain work environment: Strong need / Indifferent
    17: (
        (
            "I can't focus unless my desk is by a window with natural light.",
            "Open offices kill my productivity; I need a quiet room with a door.",
            "Remote work is a dealbreaker for me; I won't go back to an office.",
            "My workspace has to be spotless before I can start anything.",
            "I turned down a better offer because the office culture felt toxic.",
            "Noise-canceling headphones are the only way I survive at work.",
            "A standing desk and good coffee are non-negotiable for any job I take.",
        ),
        (
            "Not gonna lie, I can work anywhere, kitchen table, cafe, or cubicle.",
            "Office, home, open plan, it really doesn't matter to me.",
            "As long as the work gets done, I don't care where I sit.",
            "Noise around me doesn't affect my focus at all.",
            "I've worked in basements and corner offices and felt the same.",
            "Give me a laptop and any chair and I'm set.",
            "Fancy office perks never factor into which job I pick.",
        ),
    ),
    # 20 A certain knowledge area: Likes / Dislikes
    20: (
        (
            "I can read about ancient Rome for hours without getting bored.",
            "Astronomy has fascinated me since I was a kid.",
            "Whenever there's a documentary about the ocean, I'm glued to it.",
            "Linguistics is my rabbit hole; I love learning how words evolved.",
            "Give me a book about economics and I'm happy all weekend.",
            "There's one subject I never get tired of learning about: history.",
            "Math puzzles are my favorite way to spend an evening.",
        ),
        (
            "History classes bored me to tears, and nothing has changed.",
            "Math has always been my worst subject and I avoid it.",
            "Chemistry just never clicked with me, I tune out immediately.",
            "Philosophy feels like endless arguing about nothing to me.",
            "There's one subject I've always hated, and it's statistics.",
            "Economics articles put me to sleep within a paragraph.",
            "Anything to do with grammar rules makes my eyes glaze over.",
        ),
    ),
    # 21 A certain learning style: Likes / Dislikes
    21: (
        (
            "I learn best by watching someone do it first.",
            "Hands-on practice beats reading a manual for me every time.",
            "Flashcards are the only way I've ever memorized anything.",
            "Podcasts and audiobooks are how I soak up new information.",
            "Diagrams and mind maps help me understand almost anything.",
            "Study groups work wonders for me; I learn by explaining.",
            "Give me a step-by-step video tutorial and I can figure anything out.",
        ),
        (
            "Lectures put me to sleep; I can't learn by just listening.",
            "Group projects are the worst way for me to learn anything.",
            "Reading dense textbooks never works for me, no matter how hard I try.",
            "Video tutorials drive me crazy because I can't go at my own pace.",
            "Memorizing with flashcards has never helped me at all.",
            "Learning by trial and error frustrates me to no end.",
            "Online courses just don't stick in my brain.",
        ),
    ),
    # 22 A certain form of creative expression: Likes / Dislikes
    22: (
        (
            "Writing poetry is how I process pretty much everything.",
            "Playing guitar is the one thing that calms me down.",
            "I've been sketching every day for three years now.",
            "Nothing makes me happier than an afternoon at the pottery wheel.",
            "Writing short stories in my journal is my favorite way to unwind.",
            "Singing in the car is basically my therapy.",
            "Once I started making digital collages, I couldn't stop.",
        ),
        (
            "Poetry has never spoken to me at all.",
            "I tried painting once and hated every minute of it.",
            "Writing anything creative feels like pulling teeth for me.",
            "Karaoke is my personal nightmare, I'd never sing in public.",
            "Drawing just frustrates me; I can't make anything look right.",
            "Interpretive dance makes me cringe every time I see it.",
            "Music lessons as a kid made me dread instruments forever.",
        ),
    ),
}
