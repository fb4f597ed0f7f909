"""Phrase bank for synthetic users (:mod:`._synth_phrases`): core psychological needs.

Dimension index -> (positive phrases, negative phrases). Pure data.
"""

from __future__ import annotations

NEEDS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 12 Physical safety: Concerned / Not concerned
    12: (
        (
            "I always check that the doors are locked twice before bed.",
            "Walking alone at night makes me nervous, so I always call a ride.",
            "Helmet, knee pads, lights: I don't bike without all of it.",
            "Our house has cameras and a smoke detector in every room.",
            "I read crash test ratings before I even look at a car's price.",
            "Before hiking anywhere, I tell someone my route and return time.",
            "I carry a small first-aid kit in my bag everywhere I go.",
        ),
        (
            "I rarely bother locking my front door, honestly.",
            "I ride my bike without a helmet and never think twice.",
            "Walking home alone at 3am has never worried me.",
            "Warning labels on products mostly seem overblown to me.",
            "I'll climb up on the roof without a harness, it's fine.",
            "Hiking solo without telling anyone doesn't bother me at all.",
            "Ngl, people worry way too much about getting hurt.",
        ),
    ),
    # 13 Environmental safety: Concerned / Not concerned
    13: (
        (
            "I test our tap water because I don't trust what's in the pipes.",
            "Air quality alerts decide whether I go running outside.",
            "Pollution around my city genuinely keeps me up at night.",
            "I only buy cleaning products without harsh chemicals now.",
            "Living near that chemical plant worries me more every year.",
            "I check the pollen and smog forecast every morning.",
            "Wildfire smoke season means air purifiers running in every room.",
        ),
        (
            "Air quality reports aren't something I ever check.",
            "I drink straight from the tap wherever I am and I'm fine.",
            "People panic way too much about chemicals in household products.",
            "Smog days don't stop me from going for a run.",
            "I've never thought twice about living near the factory.",
            "Honestly, all the pollution warnings seem exaggerated to me.",
            "Pesticides on produce don't worry me; I barely rinse anything.",
        ),
    ),
    # 18 Recognition from others: Strong need / Indifferent
    18: (
        (
            "A simple thank-you from my boss keeps me going for weeks.",
            "It stings when someone else gets credit for my work.",
            "I'll admit I check how many likes my posts get.",
            "Being praised in front of the team honestly means the world to me.",
            "I want people to notice when I put in extra effort.",
            "Getting that award last year was one of my proudest moments.",
            "Compliments on my cooking make my whole week.",
        ),
        (
            "I don't really care if anyone notices my work, as long as it's done.",
            "Public praise makes me uncomfortable; I'd rather stay in the background.",
            "Likes and upvotes don't matter to me at all.",
            "I never mention my accomplishments, nobody needs to know.",
            "Awards and titles feel pretty meaningless to me.",
            "If someone else takes the credit, whatever, the job got done.",
            "What others think of my work has never been my motivation.",
        ),
    ),
    # 19 Personal achievement: Strong need / Indifferent
    19: (
        (
            "Hitting my goals is what gets me out of bed in the morning.",
            "I set a new personal record every month and chase the next one.",
            "Being average at something has never been good enough for me.",
            "I've got a five-year plan and I'm ahead of schedule.",
            "Finishing my degree while working full time was worth every late night.",
            "Honestly, I measure a good year by what I accomplished.",
            "I'm always pushing for the next promotion or milestone.",
        ),
        (
            "Climbing the ladder doesn't interest me; I just want a calm life.",
            "I'm happy doing a decent job and going home at five.",
            "Goals and milestones stress me out more than they motivate me.",
            "I've never felt the need to prove anything to myself.",
            "A quiet, ordinary life sounds perfect to me.",
            "Promotions aren't worth the extra hours, in my opinion.",
            "I do hobbies purely for fun, not to get better at them.",
        ),
    ),
    # 23 Order: Strong need / Indifferent
    23: (
        (
            "Everything in my pantry is labeled and lined up.",
            "I can't relax until the dishes are done and the counters are clear.",
            "A messy room makes my brain feel messy too.",
            "My closet is sorted by color and season.",
            "I reorganize my desk drawers whenever I get stressed.",
            "Clutter drives me up the wall, so I tidy every evening.",
            "Files on my computer all live in carefully named folders.",
        ),
        (
            "My room is a mess and honestly it doesn't bother me.",
            "I know where everything is in my piles, that's good enough.",
            "Tidying up is the last thing I think about.",
            "Clutter doesn't stress me out at all; it's kind of cozy.",
            "My desktop has hundreds of files just dumped on it.",
            "Personally, I don't get why people alphabetize their spice racks.",
            "Dishes can wait until tomorrow, or the day after.",
        ),
    ),
    # 24 Retention: Strong need / Indifferent
    24: (
        (
            "I still have every birthday card I've ever received.",
            "Throwing out my old sneakers feels like losing a friend.",
            "My garage is full of stuff I might need someday.",
            "I've driven the same car for eighteen years and won't sell it.",
            "Getting rid of my childhood toys is unthinkable.",
            "Even broken things are hard for me to throw away.",
            "It really bugs me when my furniture gets moved around without asking.",
        ),
        (
            "I donate anything I haven't used in six months.",
            "Sentimental stuff doesn't mean much to me; I toss it.",
            "Moving is easy because I own almost nothing.",
            "Losing my old phone didn't bother me, it's just an object.",
            "Every spring I happily throw out half of what I own.",
            "Honestly, I'd sell my car tomorrow if someone asked.",
            "Stuff comes and goes, I don't get attached.",
        ),
    ),
    # 25 Inviolacy (dignity, reputation): Strong need / Indifferent
    25: (
        (
            "My reputation took years to build and I guard it carefully.",
            "Being made fun of in public is something I can't tolerate.",
            "I always double-check what I post because people remember everything.",
            "If someone insults me, I make sure they know it wasn't okay.",
            "Nothing upsets me more than someone questioning my integrity.",
            "I care a lot about how people see me, even strangers.",
            "Losing face in front of colleagues would haunt me for weeks.",
        ),
        (
            "People can think whatever they want about me, I don't mind.",
            "I post my embarrassing stories online without a second thought.",
            "What people say about me behind my back doesn't worry me.",
            "Getting roasted by friends doesn't hurt my pride at all.",
            "I've made a fool of myself in public plenty of times and survived.",
            "Whatever gossip goes around about me, I just shrug it off.",
            "My image has never been something I actively protect.",
        ),
    ),
    # 26 Infavoidance (avoiding failure and embarrassment): Strong need / Indifferent
    26: (
        (
            "I won't try anything new unless I'm sure I won't mess up.",
            "The thought of embarrassing myself keeps me quiet in meetings.",
            "I practice presentations for days so I don't stumble.",
            "Dancing in public is out of the question; I'd die of shame.",
            "I skipped applying for that job because rejection terrifies me.",
            "Raising my hand in class always felt too risky.",
            "I'd rather not play at all than lose in front of people.",
        ),
        (
            "Failing in public doesn't faze me, it's part of learning.",
            "I'll sing terribly at karaoke and laugh about it afterward.",
            "Awkward moments just become funny stories for me.",
            "I apply for jobs I'm underqualified for all the time, why not.",
            "Looking silly while learning a new skill is totally fine with me.",
            "Mistakes happen, and I honestly don't lose sleep over them.",
            "Rejection barely registers with me, it's just part of life.",
        ),
    ),
    # 27 Counteraction (overcoming failure): Strong need / Indifferent
    27: (
        (
            "Failing that exam just made me study twice as hard for the retake.",
            "When something beats me, I keep coming back until I win.",
            "Getting knocked down only makes me more stubborn.",
            "I failed my driving test twice and aced it the third time.",
            "Every rejection letter went straight onto my wall as motivation.",
            "I refuse to quit a game until I've beaten that level.",
            "Setbacks are fuel for me; I want to prove I can do it.",
        ),
        (
            "If something doesn't work out the first time, I just move on.",
            "I failed a class once and never tried that subject again.",
            "Real talk, I don't feel the need to redeem myself after a loss.",
            "When a project flops, I drop it and find something easier.",
            "Losing doesn't sting enough for me to try again.",
            "I gave up on the guitar after a week, and that's fine.",
            "Proving people wrong isn't something that motivates me.",
        ),
    ),
    # 28 Seclusion: Strong need / Indifferent
    28: (
        (
            "I need long stretches of time with absolutely nobody around.",
            "My phone is on silent most days so people can't reach me.",
            "I keep my personal life very private, even from coworkers.",
            "A cabin with no internet and no visitors sounds like paradise.",
            "I turned off read receipts and location sharing years ago.",
            "Honestly, I'm happiest when I can lock the door and disappear.",
            "I don't share anything personal on social media at all.",
        ),
        (
            "I don't mind people dropping by unannounced.",
            "My life is basically an open book, ask me anything.",
            "Long stretches by myself aren't something I need or want.",
            "I share my location with all my friends, no problem.",
            "Roommates, guests, noise, I'm fine with all of it.",
            "Privacy isn't a big concern for me; I post pretty much everything.",
            "I'd get bored if I spent a whole day by myself.",
        ),
    ),
    # 29 Dominance: Strong need / Indifferent
    29: (
        (
            "I usually end up running the group project because someone has to.",
            "In any debate, I keep going until people come around to my view.",
            "I like being the one who makes the final call.",
            "When I plan a trip, everyone follows my itinerary.",
            "Leading a team feels natural to me; I like being in charge.",
            "I can usually talk people into doing things my way.",
            "I get frustrated when I'm not the one steering.",
        ),
        (
            "I'm happy to let someone else take the lead.",
            "Whatever the group decides is fine by me.",
            "Being in charge of people has never appealed to me.",
            "I'd rather contribute quietly than run the show.",
            "Telling others what to do makes me uncomfortable.",
            "If a friend wants to pick the restaurant, go for it.",
            "Winning people over to my side isn't something I bother with.",
        ),
    ),
    # 30 Deference (following authority or rules): Strong need / Indifferent
    30: (
        (
            "I follow the rules even when nobody is watching.",
            "My manager knows best, so I do things the way she asks.",
            "Ngl, I trust experts more than my own gut.",
            "I always read the instructions and do exactly what they say.",
            "Respecting my elders was drilled into me and I still live by it.",
            "If the sign says no parking, I don't park there, period.",
            "I really look up to my mentor and try to do things her way.",
        ),
        (
            "Rules are more like guidelines to me.",
            "Just because someone has a title doesn't mean I'll listen to them.",
            "I question every policy my company introduces.",
            "Authority figures don't impress me much.",
            "If a rule seems dumb, I'll quietly ignore it.",
            "My parents' advice goes in one ear and out the other.",
            "Honestly, I don't care what the experts say, I'll decide myself.",
        ),
    ),
    # 31 Autonomy: Strong need / Indifferent
    31: (
        (
            "I'd rather figure it out myself than ask for help.",
            "Working for myself was the best decision I ever made.",
            "Nobody tells me how to live my life.",
            "I moved out at eighteen because I wanted to stand on my own.",
            "I hate when people try to make decisions for me.",
            "Doing my own taxes, my own repairs, everything, is how I like it.",
            "Depending on anyone else makes me uneasy.",
        ),
        (
            "I'm happy to let my partner handle most of the decisions.",
            "Frankly, I'd rather have someone tell me what to do.",
            "Living with my parents suits me just fine.",
            "I usually go along with what my friends want.",
            "Going it alone has never mattered much to me.",
            "I like having a boss who makes the big calls.",
            "Having others sort things out for me suits me fine.",
        ),
    ),
    # 32 Contrariance (uniqueness, opposing the norm): Strong need / Indifferent
    32: (
        (
            "If everyone loves a show, I probably won't watch it.",
            "I dye my hair weird colors just to stand out.",
            "Following trends feels boring to me; I do my own thing.",
            "I enjoy taking the unpopular side in an argument.",
            "My style is intentionally unlike anyone else's in the office.",
            "Mainstream music is exactly what I avoid.",
            "Being different matters more to me than fitting in.",
        ),
        (
            "I usually just go with whatever's popular, it's easier.",
            "Fitting in has always felt more comfortable to me.",
            "I don't feel any need to stand out from the crowd.",
            "If something's trending, I'm probably already into it.",
            "My wardrobe is pretty much what everyone else wears.",
            "Honestly, going against the grain seems exhausting.",
            "I pick the restaurant everyone recommends, no need to be different.",
        ),
    ),
    # 33 Abasement (accepting blame, enjoying misfortune): Strong need / Indifferent
    33: (
        (
            "When something goes wrong on the team, I assume it was my fault.",
            "I apologize constantly, even when I didn't do anything.",
            "I feel like I deserve it when things go badly for me.",
            "I'll take the blame just to make the argument end.",
            "Harsh criticism almost feels right to me, like I've earned it.",
            "Whatever people ask of me, I just go along with it.",
            "I always put myself last, even when it hurts.",
        ),
        (
            "I'm not owning mistakes that weren't mine.",
            "If it's not my fault, I'm not apologizing.",
            "Not gonna lie, I don't see any virtue in suffering.",
            "I won't just roll over because someone yells at me.",
            "Beating myself up over mistakes isn't my style.",
            "When I'm wronged, I stand my ground.",
            "Accepting punishment I don't deserve would never cross my mind.",
        ),
    ),
    # 34 Aggression: Strong need / Indifferent
    34: (
        (
            "If someone disrespects me, I make sure they regret it.",
            "I'm not afraid to get loud to get my way.",
            "People who cross me learn quickly not to do it again.",
            "Sometimes you have to push people hard to make them listen.",
            "I've gotten into more than a few shouting matches this year.",
            "When a driver cuts me off, I'm right on their bumper.",
            "Honestly, getting even feels better than letting things go.",
        ),
        (
            "I've never raised my voice at anyone in anger.",
            "Revenge just isn't something I think about.",
            "If someone's rude, I just walk away.",
            "Forcing people to do things never works, so I don't try.",
            "I can't remember the last time I got into a fight.",
            "Yelling at people seems pointless to me.",
            "When someone cuts me off in traffic, I just let them go.",
        ),
    ),
    # 35 Affiliation (close relationships): Strong need / Indifferent
    35: (
        (
            "My friends are basically my family and I'd do anything for them.",
            "I text my best friend every single day.",
            "Loyalty is what I value most in a relationship.",
            "Nothing matters more to me than the people I'm close to.",
            "I go out of my way to remember everyone's birthdays.",
            "Making new friends and keeping them close is really important to me.",
            "I hate feeling left out, so I try to stay connected with everyone.",
        ),
        (
            "I don't really need tight friendships; acquaintances are enough.",
            "Personally, keeping up with people feels like a chore.",
            "Weeks go by without me talking to anyone, and that's fine.",
            "I've never been the type to have a best friend.",
            "Relationships take too much effort for what you get back.",
            "I don't mind losing touch with people over time.",
            "Pleasing others has never been a priority for me.",
        ),
    ),
    # 36 Rejection (cutting off negatively judged people): Strong need / Indifferent
    36: (
        (
            "Once someone shows me who they are, I cut them off completely.",
            "I blocked a few toxic relatives and never looked back.",
            "Negative people get removed from my life, no second chances.",
            "If a group gives off bad vibes, I just stop showing up.",
            "I'm very picky about who I let into my circle.",
            "Drama-prone friends got dropped years ago, and I'm happier for it.",
            "I distance myself fast from anyone I don't respect.",
        ),
        (
            "I keep in touch with almost everyone, even people I clash with.",
            "Cutting people off seems harsh to me; I give second chances.",
            "Even if someone annoys me, I don't leave them out.",
            "I've never unfriended anyone, no matter what they posted.",
            "Difficult people are part of life, I just deal with them.",
            "I'll still invite the awkward coworker to lunch.",
            "Writing people off isn't something I do.",
        ),
    ),
    # 37 Nurturance: Strong need / Indifferent
    37: (
        (
            "I'm the friend who brings soup when someone's sick.",
            "Volunteering at the animal shelter is the highlight of my week.",
            "I always check on the new hire at work to make sure they're okay.",
            "Taking care of my grandmother is something I'm proud to do.",
            "If I see someone struggling, I have to step in and help.",
            "I foster kittens because I can't stand seeing them alone.",
            "Looking after people is just how I'm wired.",
        ),
        (
            "Other people's problems aren't really my responsibility.",
            "I'm not the caretaker type, never have been.",
            "Honestly, people need to learn to take care of themselves.",
            "Babysitting or pet-sitting is something I always say no to.",
            "I don't feel the urge to rescue anyone.",
            "When friends vent, I don't know what to do, so I change the subject.",
            "Volunteering has never appealed to me.",
        ),
    ),
    # 38 Succorance (wanting help, love, comfort): Strong need / Indifferent
    38: (
        (
            "When I'm down, I really need someone to hold me and say it's okay.",
            "I lean on my friends a lot when things get hard.",
            "I just want someone to take care of me sometimes.",
            "Being comforted after a bad day means everything to me.",
            "I call my mom whenever I need reassurance.",
            "I feel so much better when someone checks in on me.",
            "Forgiveness from the people I love is something I really need.",
        ),
        (
            "I sort out my own problems; being consoled isn't my thing.",
            "Being fussed over when I'm sick makes me uncomfortable.",
            "I rarely ask anyone for help, even when I'm struggling.",
            "Real talk, I'd rather handle bad news alone.",
            "Sympathy doesn't really do anything for me.",
            "A pep talk from others does nothing for my mood.",
            "When I'm upset, I'd rather people just leave me be.",
        ),
    ),
    # 39 Play (fun, relaxation, laughter): Strong need / Indifferent
    39: (
        (
            "Board game nights are sacred in our house.",
            "Life is too short not to goof around a little.",
            "I make time for something silly every single day, no matter how busy.",
            "Nothing beats a lazy beach day with friends and a cooler.",
            "Laughing until my stomach hurts is my favorite feeling.",
            "Honestly, I plan my whole week around the weekend.",
            "Water parks, arcades, mini golf, I'm in for all of it.",
        ),
        (
            "I don't really see the point of games or hobbies.",
            "Relaxing makes me feel guilty, so I keep working.",
            "Having a good time isn't much of a priority for me these days.",
            "Vacations bore me; I'd rather be productive.",
            "Parties and games feel like wasted time.",
            "I can't remember the last time I did something just for kicks.",
            "Downtime mostly goes to chores and errands for me.",
        ),
    ),
}
