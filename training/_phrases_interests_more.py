"""Phrase bank for synthetic users (:mod:`._synth_phrases`): interests, dimensions 68-89.

Dimension index -> (positive phrases, negative phrases). Pure data.
"""

from __future__ import annotations

INTERESTS_MORE: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 68 Interest: international
    68: (
        (
            "I follow news from other countries more than my own.",
            "Learning about foreign politics fascinates me.",
            "I have pen pals in four different countries.",
            "Global affairs podcasts are my morning routine.",
            "I love hearing how people abroad see the world.",
            "Reading foreign newspapers helps me understand other perspectives.",
            "I'm studying global relations and love every class.",
        ),
        (
            "What happens in other countries doesn't concern me.",
            "Foreign news stories are the first ones I skip.",
            "Honestly, global politics feels too far away to care about.",
            "I focus on my own town and ignore world affairs.",
            "Summits between world leaders sound incredibly boring to me.",
            "I've never been interested in how things work abroad.",
            "News from overseas just doesn't grab me.",
        ),
    ),
    # 69 Interest: finance
    69: (
        (
            "I read market news every morning with my coffee.",
            "Building spreadsheets for my budget is weirdly fun.",
            "Personal finance podcasts are always on in my car.",
            "I love comparing interest rates and credit card perks.",
            "Understanding how the economy works fascinates me.",
            "I explain compound interest to anyone who will listen.",
            "Tax season is secretly my favorite time of the year.",
        ),
        (
            "Money talk bores me, I let my partner handle it.",
            "Financial news makes my eyes glaze over.",
            "I've never looked at a stock chart and never will.",
            "Budgeting spreadsheets feel like torture.",
            "Interest rates and taxes are the dullest topics on earth.",
            "Money podcasts put me to sleep.",
            "I avoid anything related to banking or investing.",
        ),
    ),
    # 70 Interest: campus life
    70: (
        (
            "Dorm life was chaotic but I loved every minute of it.",
            "I joined five clubs during my first semester.",
            "Late-night study sessions in the library were the best.",
            "Homecoming week is my favorite time of year.",
            "I still miss the dining hall and random hallway chats.",
            "Living in the dorms made me so many lifelong friends.",
            "I spend most evenings at student events and club meetings.",
        ),
        (
            "Dorm life was the worst part of my school experience.",
            "I commuted just to avoid living in the dorms.",
            "Student clubs and frat parties never interested me.",
            "Ngl, I couldn't wait to leave the college bubble.",
            "Homecoming and pep rallies feel pointless to me.",
            "College social life always felt forced to me.",
            "I went to class and went home, nothing else.",
        ),
    ),
    # 71 Interest: digital technology
    71: (
        (
            "I preorder every new phone the day it's announced.",
            "Building apps in my spare time is my favorite hobby.",
            "My whole house runs on smart devices.",
            "I read gadget reviews before bed every night.",
            "New gadgets are my weakness, I can't resist.",
            "I love tinkering with AI tools and seeing what they can do.",
            "Setting up my home server was so satisfying.",
        ),
        (
            "I still use a flip phone and I'm happy with it.",
            "Shiny electronics don't excite me at all.",
            "Smart home devices feel creepy and unnecessary.",
            "Honestly, tech news bores me.",
            "I only upgrade my phone when the old one dies.",
            "Apps and gadgets mostly complicate my life.",
            "I avoid social media and most new tech.",
        ),
    ),
    # 72 Interest: emotions
    72: (
        (
            "I love talking about how I feel and hearing how others feel.",
            "Journaling about my moods helps me understand myself.",
            "Movies that make me cry are my favorite kind.",
            "I think naming your feelings out loud is so powerful.",
            "Heartfelt posts about people's struggles really move me.",
            "I'm the friend who always asks how you're really doing.",
            "Exploring my feelings in therapy has been life-changing.",
        ),
        (
            "Talking about feelings makes me really uncomfortable.",
            "Tearjerker movies are not my thing at all.",
            "I keep my feelings to myself and prefer others do the same.",
            "Heartfelt posts online make me cringe a bit.",
            "I'd rather talk about anything than my mood.",
            "Crying in front of people is something I avoid at all costs.",
            "Long talks about how everyone feels exhaust me.",
        ),
    ),
    # 73 Interest: humor
    73: (
        (
            "Honestly a good pun makes my whole day.",
            "I send my friends memes all day long.",
            "Stand-up specials are my favorite way to unwind.",
            "I can't help cracking jokes, even at the worst moments.",
            "The funniest comment in a thread always gets my upvote.",
            "Laughing at dumb sitcoms is my therapy.",
            "I collect terrible dad jokes to torment my family.",
        ),
        (
            "I'd rather people skip the jokes and get to the point.",
            "Puns make me groan, and not in a good way.",
            "Stand-up comedy rarely makes me laugh.",
            "Memes in serious discussions annoy me.",
            "I don't find most sitcoms funny at all.",
            "Joke comments clogging up threads drive me crazy.",
            "Frankly, I've never been much for comedy.",
        ),
    ),
    # 74 Interest: music
    74: (
        (
            "I've always got headphones on, even when cleaning.",
            "Concerts are where I feel most alive.",
            "My playlists are carefully curated for every mood.",
            "I learned piano as an adult and it's my favorite hour of the day.",
            "Vinyl collecting has taken over my entire living room.",
            "I discover a new band almost every week.",
            "A road trip without a good soundtrack isn't a road trip.",
        ),
        (
            "I rarely put on any songs; silence suits me better.",
            "Concerts are too loud and crowded for me.",
            "I couldn't name a single band on the charts right now.",
            "Honestly, songs all kind of blend together for me.",
            "My car radio stays off on long drives.",
            "Festivals with stages and crowds sound like torture to me.",
            "Background tunes in stores just irritate me.",
        ),
    ),
    # 75 Interest: reading
    75: (
        (
            "I finished sixty books last year and I'm aiming for more.",
            "My nightstand has a stack of novels waiting.",
            "I can't fall asleep without a few chapters first.",
            "Library days are my favorite days.",
            "My book club is the highlight of my month.",
            "Give me a rainy afternoon and a good novel.",
            "I always carry a paperback in my bag just in case.",
        ),
        (
            "I haven't finished a book since high school.",
            "Novels put me to sleep within a few pages.",
            "Book clubs sound like homework to me.",
            "I'd rather watch the movie than open the book.",
            "Long articles are where I lose interest.",
            "Sitting still with a book makes me restless.",
            "My shelves are full of books I've never opened.",
        ),
    ),
    # 76 Interest: painting
    76: (
        (
            "I spend my Sundays with watercolors and a cup of tea.",
            "Working in oils has become my favorite way to unwind.",
            "My apartment smells like acrylics and I love it.",
            "I just finished my first landscape on canvas.",
            "Mixing colors on a palette is so satisfying to me.",
            "I took a class with easels and brushes and now I'm hooked.",
            "Plein air sessions by the lake are my weekend ritual.",
        ),
        (
            "Brushwork feels messy and tedious to me.",
            "Watercolors and brushes have no appeal for me.",
            "I tried a paint-and-sip night and hated it.",
            "Staring at canvases in galleries bores me.",
            "Not gonna lie, I'd never pick up a paintbrush for fun.",
            "Oil portraits all look the same to me.",
            "Mixing colors and cleaning brushes sounds like a chore.",
        ),
    ),
    # 77 Interest: dance
    77: (
        (
            "Salsa nights are the best part of my week.",
            "I've been taking ballet classes since I was six.",
            "I bust a move around the kitchen while cooking every day.",
            "Hip-hop classes are my favorite workout.",
            "Weddings are just an excuse for me to hit the floor.",
            "Learning a new routine is so much fun for me.",
            "Swing classes introduced me to my best friends.",
        ),
        (
            "You will never catch me on a dance floor.",
            "Ballroom or hip-hop classes sound like my worst nightmare.",
            "I have two left feet and zero interest in fixing that.",
            "Honestly, watching ballet performances bores me.",
            "At parties I'm the one hiding by the snacks when the music starts.",
            "Choreographed routines feel awkward and pointless to me.",
            "TikTok choreography trends make me cringe.",
        ),
    ),
    # 78 Interest: crafts
    78: (
        (
            "I just finished knitting my third sweater this winter.",
            "My hobby room is overflowing with yarn and glue guns.",
            "Making handmade cards for friends is my favorite thing.",
            "Woodworking on weekends keeps me sane.",
            "I sell my crochet creations at the local market.",
            "Scrapbooking our family trips is a yearly tradition for me.",
            "Every holiday I make all the decorations myself.",
        ),
        (
            "Glitter and glue guns are my personal nightmare.",
            "Knitting seems incredibly tedious to me.",
            "I'd rather buy something than make it by hand.",
            "DIY projects always end in frustration for me.",
            "Scrapbooking sounds like a waste of an afternoon.",
            "Hobby stores full of yarn and beads bore me to tears.",
            "Handmade gifts aren't really my thing.",
        ),
    ),
    # 79 Interest: photography
    79: (
        (
            "I never leave the house without my camera.",
            "Golden hour is my favorite time to shoot portraits.",
            "I've been learning to develop my own film.",
            "My weekends are spent shooting street scenes downtown.",
            "Editing shots in Lightroom is weirdly relaxing.",
            "I just bought a new lens and can't stop shooting.",
            "Capturing the perfect shot of a bird in flight made my year.",
        ),
        (
            "Taking pictures just distracts me from the moment.",
            "I couldn't tell you the difference between lenses.",
            "Personally, my phone camera roll is almost empty.",
            "Photo walks sound incredibly boring to me.",
            "People obsessing over camera gear confuse me.",
            "I never bother snapping shots on vacation.",
            "Editing pictures feels like such a chore.",
        ),
    ),
    # 80 Interest: culture
    80: (
        (
            "I love learning about traditions from around the world.",
            "Museums and heritage festivals are my favorite outings.",
            "I celebrate holidays from my friends' backgrounds every year.",
            "Folk music and local customs fascinate me.",
            "Exploring a city's heritage is the best part of any trip.",
            "I read about the history of different traditions for fun.",
            "International potlucks are my favorite way to meet people.",
        ),
        (
            "Heritage festivals don't interest me much.",
            "Traditions and customs feel like old rules to me.",
            "Heritage tours are the part of travel I'd happily skip.",
            "I don't care about the history of local customs.",
            "Museums full of artifacts bore me.",
            "Folk dances and ceremonies leave me cold.",
            "I skip the historic sites and head straight to the hotel.",
        ),
    ),
    # 81 Interest: fitness
    81: (
        (
            "I hit the gym six days a week without fail.",
            "Deadlift day is my favorite day.",
            "Training for my first half marathon has been amazing.",
            "Morning workouts set the tone for my whole day.",
            "I track my macros and lifts religiously.",
            "Rest days make me restless because I'd rather be training.",
            "Signing up for CrossFit was the best decision I made.",
        ),
        (
            "The gym is the last place in the world I want to be.",
            "Working out feels like punishment to me.",
            "Running for fun has never made sense to me.",
            "Honestly, I'd rather nap than exercise.",
            "My gym membership card hasn't been used in a year.",
            "Workout influencers make me roll my eyes.",
            "Protein shakes and lifting schedules sound exhausting.",
        ),
    ),
    # 82 Interest: art
    82: (
        (
            "I could spend an entire day wandering a museum of fine works.",
            "I buy prints from local artists whenever I can.",
            "Modern installations fascinate me, even the weird ones.",
            "Lectures on the old masters are my favorite podcasts.",
            "I visit a gallery opening almost every month.",
            "Sculpture gardens are my favorite place to relax.",
            "Discussing what a canvas means could keep me busy for hours.",
        ),
        (
            "Galleries bore me after about ten minutes.",
            "Modern installations mostly look like a joke to me.",
            "I don't get why people pay millions for a canvas.",
            "Gallery openings feel pretentious and stuffy to me.",
            "Sculptures do nothing for me.",
            "I'd skip the big museum on any trip.",
            "Lectures about the old masters were the class I dreaded.",
        ),
    ),
    # 83 Interest: stationery and planners
    83: (
        (
            "I own way too many fountain pens and regret nothing.",
            "Setting up my new agenda every January is pure joy.",
            "Washi tape and stickers take up an entire drawer.",
            "I bullet journal every morning before work.",
            "Nothing beats the feel of a fresh notebook.",
            "I spend hours in paper shops trying out pens.",
            "Color-coding my weekly spreads with highlighters is my favorite ritual.",
        ),
        (
            "Paper agendas feel pointless when I have my phone.",
            "I've never understood the obsession with fancy pens.",
            "Bullet journaling seems like way too much work.",
            "Any pen that writes is good enough for me.",
            "Real talk, notebooks just collect dust in my drawer.",
            "Washi tape and stickers are clutter to me.",
            "I abandon every agenda I buy by February.",
        ),
    ),
    # 84 Interest: celebrities
    84: (
        (
            "I follow every celebrity gossip account on Instagram.",
            "Red carpet looks are my favorite thing to discuss.",
            "I know way too much about famous couples' breakups.",
            "Star interviews are my guilty pleasure.",
            "I read every tabloid headline at the grocery checkout.",
            "Meeting my favorite actor at a signing was a dream.",
            "Tracking which stars are dating is honestly so fun.",
        ),
        (
            "Gossip about famous people is the most boring topic on earth.",
            "I couldn't care less who famous people are dating.",
            "Honestly, I don't recognize most stars on magazine covers.",
            "Red carpet coverage is a waste of airtime.",
            "Why people obsess over the rich and famous is beyond me.",
            "Tabloids make me roll my eyes every time.",
            "I unfollowed every famous account I had.",
        ),
    ),
    # 85 Interest: outdoors
    85: (
        (
            "I spend every weekend hiking somewhere new.",
            "Being in the mountains is the only place I truly relax.",
            "Kayaking at sunrise is my favorite thing in the world.",
            "Fresh air and a trail map are all I need.",
            "I'd rather be rock climbing than sitting inside.",
            "Rain or shine, I'm out on the trails.",
            "My happiest memories are from fishing at the lake.",
        ),
        (
            "Bugs, mud, and sunburn are why I stay inside.",
            "Hiking sounds like walking with extra suffering.",
            "I'm an indoor person through and through.",
            "Nature walks bore me half to death.",
            "Give me air conditioning over fresh air any day.",
            "I avoid trails and parks whenever possible.",
            "Spending a day by a lake sounds dull to me.",
        ),
    ),
    # 86 Interest: camping
    86: (
        (
            "Sleeping under the stars is my favorite way to spend a weekend.",
            "I've got my tent packed and ready to go at all times.",
            "Roasting marshmallows over a campfire never gets old.",
            "Backcountry trips are how I reset every summer.",
            "I just bought a new sleeping bag rated for winter.",
            "Our family trip to the campground is the highlight of the year.",
            "Cooking on a little camp stove is weirdly satisfying.",
        ),
        (
            "Sleeping in a tent sounds miserable to me.",
            "A weekend in the woods with a tent is my idea of misery.",
            "I need a real bed and a shower, so no tents for me.",
            "Campfire smoke and bugs ruin the whole experience for me.",
            "Ngl, I'd take a hotel over a campsite every time.",
            "The last time I pitched a tent, I swore never again.",
            "Roughing it in the woods has zero appeal to me.",
        ),
    ),
    # 87 Interest: social sciences
    87: (
        (
            "I love reading sociology studies about how communities change.",
            "Anthropology was my favorite class in college.",
            "Economics and political science books fill my shelves.",
            "I find research on social inequality fascinating.",
            "Studying how societies organize themselves is endlessly interesting.",
            "I read about demographics and migration trends for fun.",
            "Debating theories about society with friends is my idea of a good night.",
        ),
        (
            "Sociology always felt like common sense dressed up in jargon.",
            "I dodged every humanities elective about culture and class.",
            "Kinship charts and ethnographic field notes bore me to tears.",
            "Surveys about class and voting habits are dull as dirt to me.",
            "Political science lectures put me straight to sleep.",
            "I have no patience for grand takes on how communities should work.",
            "Demographic research seems pointless to me.",
        ),
    ),
    # 88 Interest: weddings
    88: (
        (
            "I've been to eight weddings this year and loved every one.",
            "Planning my friend's bridal shower was so much fun.",
            "I cry at every wedding ceremony without fail.",
            "Wedding dress shows are my favorite guilty pleasure.",
            "I love helping friends pick venues and flowers.",
            "Nothing beats a good reception with an open bar.",
            "I've got a whole board of ideas for my own big day.",
        ),
        (
            "Weddings are long, expensive, and boring to me.",
            "I decline most wedding invitations if I can.",
            "I don't understand spending so much on one day.",
            "Wedding planning talk makes me want to leave the room.",
            "Bridal showers are my idea of torture.",
            "I'd elope in a heartbeat to avoid the whole circus.",
            "Wedding shows on TV make me change the channel.",
        ),
    ),
    # 89 Interest: fashion
    89: (
        (
            "I plan my outfits a week in advance.",
            "Runway week coverage is my favorite thing to follow.",
            "I love thrifting for unique vintage pieces.",
            "Putting together a great outfit makes my whole day.",
            "I follow a dozen style bloggers for inspiration.",
            "My closet is my pride and joy.",
            "Seasonal trends are something I keep up with constantly.",
        ),
        (
            "I wear the same jeans and t-shirt every day.",
            "Clothing trends seem like a waste of money to me.",
            "I couldn't tell you what's in style right now.",
            "Frankly, clothes are just clothes to me.",
            "Shopping for outfits is a chore I put off as long as possible.",
            "Designer labels mean nothing to me.",
            "I've worn the same hoodie for five years and don't care.",
        ),
    ),
}
