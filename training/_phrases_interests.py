"""Phrase bank for synthetic users (:mod:`._synth_phrases`): interests, dimensions 47-67.

Dimension index -> (positive phrases, negative phrases). Pure data.
"""

from __future__ import annotations

INTERESTS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 47 Interest: science
    47: (
        (
            "I stayed up way too late reading about black holes again.",
            "Lab work was the best part of my week in school.",
            "Every new Mars rover photo gets me genuinely excited.",
            "I subscribe to three different podcasts about physics and biology.",
            "Explaining how vaccines work to my nephew was so much fun.",
            "Nothing beats a good physics documentary on a Sunday.",
            "My favorite hobby is reading new studies about the brain.",
        ),
        (
            "Science class was torture for me, and it still bores me.",
            "Physics documentaries put me to sleep in minutes.",
            "I really don't care how black holes work.",
            "Whenever the conversation turns to chemistry, I tune out.",
            "Lab experiments were the part of school I dreaded most.",
            "Space news does nothing for me.",
            "Research papers are just walls of jargon to me.",
        ),
    ),
    # 48 Interest: knowledge
    48: (
        (
            "I fall down Wikipedia rabbit holes almost every night.",
            "Learning random facts is my favorite way to pass the time.",
            "Trivia night is the highlight of my month.",
            "I always have a nonfiction book and a podcast going.",
            "Every time I learn something new, I have to tell someone.",
            "I took three online courses this year just out of curiosity.",
            "Ask me anything about octopuses, I've read way too much.",
        ),
        (
            "Random trivia doesn't interest me at all.",
            "Learning for its own sake has never appealed to me.",
            "I only look things up when I absolutely have to.",
            "Encyclopedias and documentaries bore me to death.",
            "Personally, fun facts go in one ear and out the other.",
            "I skip the explainer articles and just read the headlines.",
            "Trivia night sounds like homework to me.",
        ),
    ),
    # 49 Interest: psychology
    49: (
        (
            "I love figuring out why people act the way they do.",
            "Attachment theory completely changed how I see my relationships.",
            "I've read every book on cognitive biases I could find.",
            "Personality tests fascinate me, even the silly ones.",
            "My favorite podcasts are about how the mind works.",
            "Understanding my own habits through therapy books was eye-opening.",
            "Human behavior is my absolute favorite thing to read about.",
        ),
        (
            "Pop psychology articles mostly seem like nonsense to me.",
            "I don't care why people behave the way they do.",
            "Personality tests are a waste of time in my opinion.",
            "Talking about attachment styles makes me roll my eyes.",
            "Analyzing people's minds just isn't interesting to me.",
            "Therapy-speak everywhere online drives me up the wall.",
            "Cognitive bias books all sound the same to me.",
        ),
    ),
    # 50 Interest: cinema
    50: (
        (
            "I see at least two films in theaters every week.",
            "My Letterboxd has over a thousand reviews at this point.",
            "Nothing beats a classic Kubrick marathon on a rainy day.",
            "I stay through every credit to catch the score.",
            "Film festivals are my favorite kind of vacation.",
            "Arguing about the best director of all time is my hobby.",
            "Watching old black-and-white movies is how I relax.",
        ),
        (
            "Movies rarely hold my attention past the first half hour.",
            "I haven't been to a theater in years and don't miss it.",
            "Two hours sitting still for a film feels like forever.",
            "Film buffs arguing about directors bore me to tears.",
            "I usually fall asleep before the movie ends.",
            "Honestly, I'd rather do almost anything than watch a movie.",
            "Award-season films never interest me.",
        ),
    ),
    # 51 Interest: entertainment
    51: (
        (
            "I keep up with every new show the week it drops.",
            "Award shows are appointment viewing in my house.",
            "Reality TV is my guilty pleasure and I'm not ashamed.",
            "I'll watch any talk show clip that pops up in my feed.",
            "Concerts, comedy specials, shows, I'm always down.",
            "My streaming watchlist is about three hundred titles long.",
            "Nothing beats a night of binge-watching a new series.",
        ),
        (
            "I don't watch TV at all, and I don't miss it.",
            "Streaming shows feel like a waste of my evenings.",
            "Reality TV makes me want to throw the remote.",
            "Award shows are the most boring thing on television.",
            "I never know what show everyone is talking about, and I don't care.",
            "Pop culture chatter at work just goes over my head.",
            "Binge-watching anything sounds exhausting to me.",
        ),
    ),
    # 52 Interest: gaming
    52: (
        (
            "I logged two hundred hours in that RPG last month.",
            "Friday nights are for online matches with my squad.",
            "I've been building my own gaming PC piece by piece.",
            "Nothing beats a good co-op game with friends.",
            "Speedrunning videos are my favorite thing to watch.",
            "My Switch goes everywhere with me.",
            "I still replay the classics from my childhood every year.",
        ),
        (
            "Video games have never held my interest for long.",
            "I don't get why people spend hours playing online.",
            "Controllers feel awkward in my hands, so I just don't play.",
            "Real talk, watching someone stream a game sounds mind-numbing.",
            "My partner games every night, but I'd rather read.",
            "I tried a few console games and got bored fast.",
            "Gaming feels like a total waste of time to me.",
        ),
    ),
    # 53 Interest: parenting
    53: (
        (
            "Watching my kids learn to read has been the best part of my year.",
            "I read every parenting book I can get my hands on.",
            "Bedtime stories with my daughter are my favorite ritual.",
            "I love swapping tips with other parents at the playground.",
            "Raising kids is hard, but I wouldn't trade it for anything.",
            "Planning my son's birthday party was honestly the most fun.",
            "I'm always looking for new ways to support my toddler's development.",
        ),
        (
            "Parenting threads are the first thing I scroll past.",
            "I can't relate to conversations about diapers and school runs.",
            "Kids are not something I see in my future.",
            "Honestly, parenting advice videos make me want to hide.",
            "Listening to friends talk about their toddlers bores me.",
            "I have no interest in child-rearing debates.",
            "Babysitting for a weekend confirmed that kids aren't for me.",
        ),
    ),
    # 54 Interest: wild imagination
    54: (
        (
            "I daydream about alternate universes constantly.",
            "My favorite shower thought is what if gravity worked backwards.",
            "I've invented entire fictional worlds with their own maps and languages.",
            "What-if scenarios are my favorite kind of conversation.",
            "Surreal art and weird fiction light my brain up.",
            "I love picturing what life will look like a thousand years from now.",
            "Give me a story with dragons on Mars and I'm sold.",
        ),
        (
            "Fantasy worlds and what-if scenarios feel pointless to me.",
            "I prefer stories grounded firmly in reality.",
            "Daydreaming seems like a waste of time to me.",
            "Surreal stuff just confuses me, I like things that make sense.",
            "Hypothetical questions at parties annoy me.",
            "I can't get into anything with magic or aliens.",
            "I'm a practical person; made-up worlds don't grab me.",
        ),
    ),
    # 55 Interest: anime
    55: (
        (
            "I rewatched my favorite anime series for the fourth time.",
            "Every season I follow at least five new shows from Japan.",
            "My room is full of figures from my favorite series.",
            "Nothing beats the opening theme of a great shonen.",
            "Studio Ghibli films are my comfort movies.",
            "I'm learning Japanese partly so I can watch without subtitles.",
            "Went to my first convention in cosplay last month and loved it.",
        ),
        (
            "Anime has never clicked for me, no matter what I try.",
            "Japanese animation just isn't my style at all.",
            "Ngl, I can't get past the art style in most cartoons from Japan.",
            "My friends keep recommending series, but I never finish them.",
            "Cosplay conventions are my idea of a nightmare.",
            "I'd rather watch anything live-action.",
            "Every time I try a new series from Japan, I give up after one episode.",
        ),
    ),
    # 56 Interest: sports
    56: (
        (
            "I watch every match I can, even the preseason ones.",
            "Game day means jerseys, wings, and yelling at the TV.",
            "My fantasy football league is basically my second job.",
            "I've had season tickets for ten years.",
            "Nothing beats the final minutes of a close playoff game.",
            "I coach my kid's soccer team on weekends.",
            "Checking scores is the first thing I do every morning.",
        ),
        (
            "Watching games on TV bores me to tears.",
            "I couldn't name a single player on our local team.",
            "Honestly, I don't get why people care who wins a game.",
            "Super Bowl Sunday is just a normal Sunday for me.",
            "Fantasy leagues sound like homework to me.",
            "Whenever the conversation turns to scores and standings, I zone out.",
            "I've never understood the rules of football and never will.",
        ),
    ),
    # 57 Interest: law
    57: (
        (
            "I read court rulings for fun, which my friends find weird.",
            "Legal dramas are fine, but real trials fascinate me more.",
            "I'm studying for the LSAT and loving every minute.",
            "Contract disputes are surprisingly interesting once you get into them.",
            "Supreme Court decisions are something I follow closely.",
            "I love digging through the fine print of any agreement.",
            "Constitutional debates are my favorite dinner topic.",
        ),
        (
            "Legal jargon makes my eyes glaze over instantly.",
            "I skip every article about court cases.",
            "Reading contracts is about the dullest thing in the world.",
            "The legal system bores me to death.",
            "Courtroom shows are the first thing I change the channel on.",
            "I don't care about Supreme Court rulings at all.",
            "Anything involving lawyers and fine print, I avoid.",
        ),
    ),
    # 58 Interest: workplace
    58: (
        (
            "I love talking about office dynamics and career strategy.",
            "Reading about how great teams work is my favorite nerdy hobby.",
            "Negotiating my salary was honestly kind of fun.",
            "I'm always swapping tips on managing difficult coworkers.",
            "Career advice threads are my favorite part of this site.",
            "I read every article about productivity and management.",
            "Figuring out office politics is like a puzzle to me.",
        ),
        (
            "Career advice posts make me want to close the app.",
            "I'd rather not think about my job once I leave the office.",
            "Office politics talk is the most boring thing ever.",
            "Management books feel like a waste of paper.",
            "Frankly, talking shop on weekends drives me up the wall.",
            "I skip anything about productivity hacks or career growth.",
            "LinkedIn posts about hustle culture make me cringe.",
        ),
    ),
    # 59 Interest: pets
    59: (
        (
            "My dog sleeps on my bed and I wouldn't have it any other way.",
            "I have three cats and I'm thinking about a fourth.",
            "Every dog I pass on the street gets a hello from me.",
            "My parrot wakes me up every morning with a song.",
            "I spend more on toys for my animals than on clothes for myself.",
            "Adopting my rescue pup was the best decision I ever made.",
            "Pictures of my cat make up most of my camera roll.",
        ),
        (
            "I don't really see the appeal of having an animal at home.",
            "Dog hair on everything would drive me nuts.",
            "Cats make me uneasy, and dogs are too much work.",
            "Honestly, I'd never want an animal living in my house.",
            "People who talk about their dogs nonstop bore me.",
            "Looking after a friend's cat convinced me animals aren't for me.",
            "I'm not an animal person at all.",
        ),
    ),
    # 60 Interest: travel
    60: (
        (
            "I've visited twenty countries and I'm already planning the next one.",
            "Airports make me happy because it means an adventure is starting.",
            "Every spare dollar I have goes into my trip fund.",
            "Backpacking through Southeast Asia changed my life.",
            "I love exploring a new city with no plans.",
            "Booking a flight is my favorite kind of therapy.",
            "I'm always looking up cheap flights to places I've never been.",
        ),
        (
            "Going on trips stresses me out more than it's worth.",
            "Airports, jet lag, and packing are my personal nightmare.",
            "I'd rather spend my vacation at home on the couch.",
            "I've never felt the urge to see other countries.",
            "Long flights are torture and I avoid them completely.",
            "Sightseeing tours bore me to tears.",
            "Home is where I'm happiest, I don't need to go anywhere.",
        ),
    ),
    # 61 Interest: health
    61: (
        (
            "I track my sleep, water, and vitamins every day.",
            "Reading about nutrition research is honestly fun for me.",
            "My annual checkup is always booked months in advance.",
            "I love learning how small habits improve long-term wellbeing.",
            "Cutting out soda completely changed how I feel.",
            "I follow a few doctors online for evidence-based wellness tips.",
            "Gut microbiome research is my latest obsession.",
        ),
        (
            "Articles about nutrition and wellness bore me.",
            "I eat whatever I want and don't think about nutrition.",
            "Not gonna lie, I skip doctor's appointments unless I'm really sick.",
            "All the wellness talk online feels like a fad to me.",
            "Tracking vitamins and water intake sounds exhausting.",
            "I've never once read a nutrition label.",
            "Wellness influencers make me want to eat a donut out of spite.",
        ),
    ),
    # 62 Interest: stories
    62: (
        (
            "Tell me a good tale and I'm hooked for hours.",
            "Campfire ghost tales are my favorite part of any trip.",
            "I love reading people's real-life anecdotes in these threads.",
            "My grandpa's war memories are something I could listen to forever.",
            "Storytelling podcasts are on repeat in my car.",
            "I collect funny anecdotes from everyone I meet.",
            "A well-told narrative beats any lecture for me.",
        ),
        (
            "Long anecdotes make me lose interest quickly.",
            "I skim past personal tales to get to the point.",
            "Honestly, story time at dinner parties bores me.",
            "I don't have the patience for long narratives.",
            "People telling drawn-out tales drive me a bit crazy.",
            "Storytelling podcasts never hold my attention.",
            "Fiction and personal narratives have never really grabbed me.",
        ),
    ),
    # 63 Interest: cars
    63: (
        (
            "I spend every weekend in the garage working on my old Mustang.",
            "Car shows are my favorite way to spend a Saturday.",
            "I can tell you the engine specs of almost any sports car.",
            "The sound of a V8 starting up gives me chills.",
            "Detailing my car is weirdly relaxing for me.",
            "I've been putting money toward a project car since high school.",
            "Watching Formula 1 and car reviews is how I unwind.",
        ),
        (
            "A car is just a way to get from point A to B for me.",
            "I couldn't tell you what engine my car has.",
            "Car shows bore me to death.",
            "People obsessing over horsepower confuse me.",
            "I'd happily never drive again if transit were better.",
            "Talking about engines and specs makes me zone out.",
            "I drive a beat-up sedan and don't care how it looks.",
        ),
    ),
    # 64 Interest: gourmet food
    64: (
        (
            "I'm putting money aside for a tasting menu at a Michelin-starred place.",
            "Truffle season is my favorite time of year.",
            "I love pairing wines with a carefully plated dinner.",
            "Trying a new fine dining spot every month is my splurge.",
            "I spent all weekend perfecting a French sauce from scratch.",
            "Good olive oil and aged cheese are worth every penny to me.",
            "Restaurant critics are my favorite writers to follow.",
        ),
        (
            "Fancy restaurants feel pretentious to me.",
            "I'd take a burger over a tasting menu any day.",
            "Tiny portions on huge plates make me laugh.",
            "Personally, I can't tell cheap wine from expensive wine and don't care.",
            "Paying a hundred dollars for dinner seems ridiculous to me.",
            "Foodie culture and plating photos bore me.",
            "Give me simple home cooking over anything with foam on it.",
        ),
    ),
    # 65 Interest: education
    65: (
        (
            "I love reading about new teaching methods and school reform.",
            "Going back to school as an adult was the best decision I made.",
            "I tutor kids on weekends because learning matters so much.",
            "School policy debates are something I follow closely.",
            "I think about how to improve classrooms more than most people.",
            "Every conversation about curriculum design gets my attention.",
            "Online courses and degree programs are something I'm always researching.",
        ),
        (
            "School was the worst part of my life and I avoid the topic.",
            "Debates about curriculum bore me to tears.",
            "I don't care about school policy at all.",
            "Honestly, classrooms and teaching methods don't interest me.",
            "I'd never go back to school, even for free.",
            "Conversations about grades and test scores make me tune out.",
            "Degrees and diplomas seem overrated to me.",
        ),
    ),
    # 66 Interest: current events
    66: (
        (
            "I check the news first thing every morning.",
            "I read three different newspapers to get the full picture.",
            "Election nights are like the Super Bowl for me.",
            "I love discussing what's happening in the world over dinner.",
            "Breaking news alerts are always on for me.",
            "Keeping up with headlines is part of my daily routine.",
            "Following world affairs closely makes me feel connected.",
        ),
        (
            "I stopped following the news years ago and feel better.",
            "Headlines mostly just stress me out, so I ignore them.",
            "I couldn't tell you what's happening in politics right now.",
            "News alerts are the first thing I turned off on my phone.",
            "Talk about the latest headlines at work bores me.",
            "I'd rather not know what's going on in the world.",
            "Election coverage makes me want to go offline.",
        ),
    ),
    # 67 Interest: home decor
    67: (
        (
            "I rearrange my living room furniture every season.",
            "Picking out throw pillows is my idea of a fun afternoon.",
            "I've got a board full of interior design inspiration.",
            "Repainting my bedroom a deep green was the best choice.",
            "Thrift store lamps and vintage rugs are my weakness.",
            "My apartment isn't big, but every corner is styled.",
            "Interior design shows are my favorite thing to binge.",
        ),
        (
            "My walls are completely bare and I don't mind.",
            "Cushions and knickknacks everywhere just look like clutter to me.",
            "I couldn't care less about matching furniture.",
            "Real talk, renovation reveal programs bore me senseless.",
            "As long as I have a couch and a bed, I'm good.",
            "Decorating for holidays seems like a lot of effort for nothing.",
            "Paint colors all look the same to me.",
        ),
    ),
}
