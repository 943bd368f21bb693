package io.extractionguard.loadtest.traffic;

/**
 * What ordinary people ask a model: many topics, many phrasings, short and long, with pasted
 * text, typos and follow-ups. Slots ({@code {a}}) are filled from each topic's vocabulary, so
 * two users rarely send the same words in the same order.
 */
final class OrganicText {

    private OrganicText() {
    }

    /** A topic: vocabulary for its slots and question patterns using them. */
    private record Topic(String name, String[] things, String[] patterns) {
    }

    private static final String[] PEOPLE = {"my mom", "my dad", "my sister", "my brother", "my boss", "a coworker",
            "my landlord", "my neighbor", "my best friend", "my partner", "my teacher", "a client", "my team",
            "my grandmother", "my roommate", "the HR department", "a recruiter", "my professor", "my doctor"};
    private static final String[] TONES = {"more formal", "friendlier", "shorter", "more persuasive", "less awkward",
            "more professional", "funnier", "more confident", "simpler", "more polite", "more direct"};
    private static final String[] LANGUAGES = {"Spanish", "French", "German", "Italian", "Portuguese", "Japanese",
            "Korean", "Mandarin", "Dutch", "Polish", "Turkish", "Hindi", "Arabic", "Swedish", "Vietnamese"};
    private static final String[] AGES = {"5", "10", "a teenager", "a complete beginner", "my grandma",
            "someone with no science background", "a first-year student"};

    private static final Topic[] TOPICS = {
        new Topic("cooking", new String[]{"chicken thighs", "tofu", "red lentils", "salmon", "sourdough", "risotto",
                "pad thai", "banana bread", "a pork shoulder", "chickpeas", "sweet potatoes", "brussels sprouts",
                "a whole cauliflower", "shrimp", "ground beef", "eggplant", "quinoa", "overnight oats", "kimchi",
                "a pavlova", "cold brew", "homemade pasta", "a chocolate cake", "mushroom soup", "tacos"},
                new String[]{"What's a good way to cook {a} for {n} people?",
                        "I have {a}, {b} and some rice. What can I make for dinner tonight?",
                        "how long do I bake {a} at {t} degrees",
                        "Can you give me a vegetarian alternative to {a}?",
                        "My {a} always comes out dry. What am I doing wrong?",
                        "Is it safe to eat {a} that was left out overnight?",
                        "Give me a shopping list for a week of meals built around {a} and {b}.",
                        "What wine goes well with {a}?",
                        "Can I freeze {a}? For how long?",
                        "Suggest a quick lunch with {a} that takes under 20 minutes."}),
        new Topic("travel", new String[]{"Lisbon", "Kyoto", "Mexico City", "Iceland", "the Amalfi coast",
                "Vancouver", "Marrakech", "Seoul", "the Scottish Highlands", "Buenos Aires", "Bali", "Prague",
                "Cape Town", "Patagonia", "Vietnam", "the Dolomites", "Istanbul", "New Orleans", "Crete", "Oaxaca"},
                new String[]{"I'm going to {a} for {n} days in {m}. What should I not miss?",
                        "Is {a} or {b} better for a first trip with kids?",
                        "What's the best way to get from the airport to the city center in {a}?",
                        "Plan a relaxed {n}-day itinerary for {a}, we like food and walking.",
                        "what should I pack for {a} in {m}",
                        "Is it easy to travel around {a} without a car?",
                        "Any tips for visiting {a} on a tight budget?",
                        "How many days do I need to see {a} properly?"}),
        new Topic("fitness", new String[]{"running", "deadlifts", "yoga", "swimming", "cycling", "pull-ups",
                "a half marathon", "stretching", "kettlebells", "rock climbing", "squats", "HIIT", "pilates"},
                new String[]{"I'm {age2} and want to start {a}. How should I begin?",
                        "How often should I do {a} to see progress?",
                        "My knees hurt after {a}. Should I be worried?",
                        "Make me a {n}-week plan to get better at {a}.",
                        "Is it better to do {a} in the morning or evening?",
                        "what muscles does {a} work",
                        "How do I stay motivated to keep doing {a}?"}),
        new Topic("money", new String[]{"an emergency fund", "index funds", "a Roth IRA", "credit card debt",
                "a mortgage", "student loans", "a budget", "my 401k", "a high-yield savings account",
                "freelance taxes", "a car loan", "renting vs buying"},
                new String[]{"Can you explain {a} in simple terms?",
                        "I earn about {k} a year. How much should I put into {a}?",
                        "Should I pay off {a} first or save for {b}?",
                        "What are the pros and cons of {a}?",
                        "How do I set up {a} if I have irregular income?",
                        "is {a} a good idea in my 20s"}),
        new Topic("history", new String[]{"the fall of Rome", "the French Revolution", "the Cold War",
                "the Silk Road", "the printing press", "the Meiji Restoration", "the Black Death",
                "the Apollo program", "the Ottoman Empire", "the Industrial Revolution", "ancient Egypt",
                "the Hanseatic League", "the Byzantine Empire", "the Harlem Renaissance", "the Magna Carta"},
                new String[]{"What caused {a}?", "Give me a short summary of {a}.",
                        "How did {a} affect ordinary people?",
                        "What are some good books about {a}?",
                        "Was {a} connected to {b} in any way?",
                        "Explain {a} like I'm {age}.",
                        "What's a common misconception about {a}?"}),
        new Topic("science", new String[]{"black holes", "photosynthesis", "CRISPR", "plate tectonics",
                "the immune system", "quantum entanglement", "climate feedback loops", "vaccines",
                "the theory of relativity", "dark matter", "antibiotic resistance", "sleep", "the placebo effect",
                "volcanoes", "tides", "the northern lights", "evolution", "nuclear fusion"},
                new String[]{"Explain {a} like I'm {age}.", "How does {a} actually work?",
                        "Why is {a} important?", "What's the latest research on {a}?",
                        "Is it true that {a} is related to {b}?",
                        "My kid asked me about {a} and I had no idea. Help?",
                        "What would happen if {a} stopped working?"}),
        new Topic("health", new String[]{"a sore throat", "lower back pain", "trouble sleeping", "headaches",
                "seasonal allergies", "heartburn", "a sprained ankle", "low iron", "stress", "dry skin",
                "vitamin D", "intermittent fasting", "screen time and eyes", "a persistent cough"},
                new String[]{"I've had {a} for {n} days. When should I see a doctor?",
                        "What are some home remedies for {a}?",
                        "Is {a} linked to {b}?", "How can I prevent {a}?",
                        "what's the difference between {a} and {b}",
                        "Any tips for dealing with {a} while traveling?"}),
        new Topic("home", new String[]{"a leaky faucet", "a squeaky door", "mold in the bathroom",
                "a running toilet", "drywall holes", "a tripped breaker", "weeds in the lawn", "a drafty window",
                "tomato plants", "a fiddle leaf fig", "succulents", "a clogged drain", "peeling paint", "fruit flies"},
                new String[]{"How do I fix {a} myself?", "What tools do I need for {a}?",
                        "Why does {a} keep happening?", "Is {a} something I should call a pro for?",
                        "My {a} is getting worse, what should I do", "Quick question about {a}: {q}"}),
        new Topic("pets", new String[]{"my cat", "my puppy", "my rabbit", "my parrot", "my senior dog",
                "a new kitten", "my guinea pigs", "my goldfish", "my rescue dog", "my bearded dragon"},
                new String[]{"{A} keeps scratching the furniture. What can I do?",
                        "How much should I feed {a}?", "{A} is scared of {b}. Any advice?",
                        "What's a good name for {a}?", "Is it normal that {a} sleeps so much?",
                        "How do I introduce {a} to {b}?"}),
        new Topic("writing", new String[]{"a cover letter", "a wedding toast", "a product description",
                "a LinkedIn summary", "an apology", "a eulogy", "a short story opening", "a birthday poem",
                "a blog post intro", "a thank-you note", "a resignation letter", "a grant abstract",
                "a newsletter", "a haiku about autumn", "a limerick about my cat"},
                new String[]{"Write {a} for {p}.", "Can you help me write {a}? Here's some context: {para}",
                        "Make this {tone}: {para}", "Give me {n} different openings for {a}.",
                        "Proofread this please: {para}", "Turn these notes into {a}: {para}",
                        "I need {a} that mentions {b}, keep it under {w} words."}),
        new Topic("email", new String[]{"asking for a raise", "declining a meeting", "following up on an invoice",
                "requesting a deadline extension", "introducing two colleagues", "complaining about a delivery",
                "asking for a reference", "canceling a subscription", "scheduling an interview",
                "thanking a mentor", "reporting a bug to a vendor", "rescheduling a dentist appointment"},
                new String[]{"Write an email to {p} {a}.", "Help me reply to this email, I want to be {tone}: {para}",
                        "draft a short message {a}", "Can you write a polite email {a}? Context: {para}",
                        "How should I phrase an email {a} without sounding rude?"}),
        new Topic("language", new String[]{"the subjunctive", "phrasal verbs", "the past perfect",
                "gendered nouns", "polite forms", "counting words", "idioms", "false friends", "verb aspect"},
                new String[]{"Translate this into {lang}: {sent}", "How do I say '{sent}' in {lang}?",
                        "Can you explain {a} in {lang} with examples?",
                        "What's the difference between {a} and {b} in English?",
                        "Correct my {lang}: {sent}", "Give me {n} sentences practicing {a}."}),
        new Topic("career", new String[]{"a job interview", "a performance review", "switching careers",
                "negotiating salary", "a PhD", "freelancing", "burnout", "a difficult manager", "a promotion",
                "working remotely", "imposter syndrome", "a career gap"},
                new String[]{"How should I prepare for {a}?", "I'm thinking about {a}. What should I consider?",
                        "Any advice for dealing with {a}?", "What questions should I ask in {a}?",
                        "Is {a} worth it at {age2}?", "How do I explain {a} on my resume?"}),
        new Topic("entertainment", new String[]{"sci-fi novels", "board games for two", "podcasts about history",
                "anime", "indie video games", "documentaries", "jazz albums", "horror movies", "audiobooks",
                "TV shows like Severance", "cozy mysteries", "strategy games"},
                new String[]{"Recommend some {a} for someone who liked {b}.", "What are the best {a} of the last decade?",
                        "I'm bored. Suggest {n} {a}.", "Who would win in a fight, {b} or {c}?",
                        "What's a good starting point for getting into {a}?"}),
        new Topic("parenting", new String[]{"a toddler who won't sleep", "screen time", "picky eating",
                "potty training", "a teenager who won't talk", "homework battles", "sibling fights",
                "a first phone", "allowance", "bedtime routines"},
                new String[]{"Any advice for {a}?", "How do other parents handle {a}?",
                        "Is it normal to struggle with {a}?", "Give me a simple plan for {a}."}),
        new Topic("philosophy", new String[]{"free will", "stoicism", "the trolley problem", "utilitarianism",
                "existentialism", "the ship of Theseus", "moral luck", "personal identity", "nihilism"},
                new String[]{"What's the main idea of {a}?", "How would a stoic think about {b}?",
                        "Is {a} compatible with {b}?", "Give me the strongest argument against {a}.",
                        "Explain {a} like I'm {age}."}),
        new Topic("shopping", new String[]{"a laptop for college", "noise cancelling headphones", "a stroller",
                "running shoes", "a standing desk", "a first road bike", "an air purifier", "a mirrorless camera",
                "a mattress", "a robot vacuum", "a gaming monitor", "a winter jacket"},
                new String[]{"I need {a} under {k}. What should I look for?",
                        "Is {a} worth buying refurbished?", "What's more important when choosing {a}: {b} or {c}?",
                        "Compare the top options for {a}."}),
        new Topic("school", new String[]{"photosynthesis", "the causes of World War I", "supply and demand",
                "the water cycle", "Shakespeare's sonnets", "cell division", "the Pythagorean theorem",
                "the scientific method", "persuasive essays", "fractions", "the Krebs cycle", "Newton's laws"},
                new String[]{"Can you help me understand {a} for my test tomorrow?", "Make me a study guide on {a}.",
                        "Quiz me on {a} with {n} questions.", "I don't get {a}. Can you explain it differently?",
                        "Summarize {a} in {w} words for my notes."}),
    };

    private static final String[] MONTHS = {"January", "March", "April", "May", "June", "July", "August",
            "September", "October", "December"};
    private static final String[] AGE2 = {"35", "42", "28", "50", "61", "19", "30 and out of shape", "45"};
    private static final String[] SUBJECTS = {"Our team", "The landlord", "My manager", "The school", "Our client",
            "The committee", "My neighbor", "The company", "Our vendor", "The city council", "My coach",
            "The contractor", "Our HOA"};
    private static final String[] VERBS = {"decided to", "asked us to", "is planning to", "refused to",
            "promised to", "forgot to", "wants to", "agreed to", "tried to", "announced it would"};
    private static final String[] OBJECTS = {"move the deadline to next Friday", "raise the rent by 8 percent",
            "cancel the Thursday meeting", "switch to a new billing system", "repaint the hallway",
            "reorganize the storage room", "cut the budget for the spring event", "hire two more people",
            "change the parking rules", "review everyone's schedule", "launch the new website in May",
            "renegotiate the contract", "run a survey about remote work", "replace the old printers"};
    private static final String[] REASONS = {"because of the delays last quarter", "after several complaints",
            "since costs went up", "to save time", "without telling anyone", "which surprised everyone",
            "but nobody knows why", "even though we objected", "to keep things fair", "as a temporary fix"};
    private static final String[] FEELINGS = {"I'm not sure how to respond.", "Honestly this is frustrating.",
            "I think it's a reasonable idea.", "Some people are upset about it.", "I want to push back politely.",
            "I need to explain this to my family.", "It affects my schedule a lot.", "I'd like to support it."};
    private static final String[] SENTENCES = {"Where is the nearest train station?", "I would like to book a table for two.",
            "Can you recommend a good restaurant nearby?", "My flight was delayed by three hours.",
            "We are looking forward to seeing you next week.", "I lost my keys somewhere in the park.",
            "Could you speak a little more slowly, please?", "The meeting has been moved to Tuesday morning.",
            "How much does this cost?", "I have been learning this language for two years."};
    private static final String[] OPENERS = {"", "", "", "", "hey ", "Hi! ", "Quick question: ", "ok so ",
            "Hello, ", "Can you help? ", "hi claude, ", "Question - "};
    private static final String[] CLOSERS = {"", "", "", "", " Thanks!", " thanks", " Keep it short.",
            " Please use bullet points.", " Be honest.", " Explain briefly.", " :)", " Thank you so much."};
    private static final String[] FOLLOW_UPS = {"Can you make it shorter?", "thanks! what about {a}?",
            "Why?", "Can you explain the second point more?", "Give me another option.", "That's great, thank you.",
            "Hmm, that doesn't sound right.", "ok and how long does that take?", "Can you put that in a table?",
            "What would you do in my situation?", "Could you make it sound {tone}?", "And if I only have {n} minutes?",
            "Perfect. One more thing: is {a} a good idea too?", "wait, can you redo it for {p}?",
            "Translate that into {lang}.", "Give me a one-line summary.", "What are the risks?",
            "Are there any sources for that?", "Now do the same for {a}.", "I don't get it, simpler please"};

    /** A fresh question on a random topic. */
    static String question(Rng rng) {
        Topic topic = TOPICS[rng.nextInt(TOPICS.length)];
        String text = fill(rng, rng.pick(topic.patterns()), topic);
        return typos(rng, rng.pick(OPENERS) + text + rng.pick(CLOSERS));
    }

    /** A follow-up turn in the same conversation. */
    static String followUp(Rng rng) {
        Topic topic = TOPICS[rng.nextInt(TOPICS.length)];
        return typos(rng, fill(rng, rng.pick(FOLLOW_UPS), topic));
    }

    /** A plausible assistant answer to keep in a conversation's history. */
    static String answer(Rng rng) {
        StringBuilder b = new StringBuilder();
        int n = rng.between(2, 6);
        String[] starts = {"Sure! ", "Good question. ", "Here's what I'd suggest: ", "", "Great idea. ",
                "There are a few options. "};
        b.append(rng.pick(starts));
        for (int i = 0; i < n; i++) {
            b.append(paragraphSentence(rng)).append(' ');
        }
        return b.toString().trim();
    }

    /** A paragraph of everyday prose (what people paste to be summarised, rewritten or answered). */
    static String paragraph(Rng rng) {
        StringBuilder b = new StringBuilder();
        int n = rng.between(2, 7);
        for (int i = 0; i < n; i++) {
            b.append(paragraphSentence(rng)).append(' ');
        }
        return b.toString().trim();
    }

    private static String paragraphSentence(Rng rng) {
        return switch (rng.nextInt(3)) {
            case 0 -> rng.pick(SUBJECTS) + " " + rng.pick(VERBS) + " " + rng.pick(OBJECTS) + " " + rng.pick(REASONS) + ".";
            case 1 -> rng.pick(FEELINGS);
            default -> rng.pick(SUBJECTS) + " " + rng.pick(VERBS) + " " + rng.pick(OBJECTS) + ".";
        };
    }

    /** A document-processing instruction applied to pasted text (batch jobs, small business tools). */
    static String documentTask(Rng rng, String instruction) {
        return instruction + "\n\n" + paragraph(rng);
    }

    private static String fill(Rng rng, String pattern, Topic topic) {
        return Slots.fill(pattern, slot -> switch (slot) {
            case "a", "b", "c" -> rng.pick(topic.things());
            case "A" -> Slots.capitalize(rng.pick(topic.things()));
            case "n" -> Integer.toString(rng.between(2, 12));
            case "t" -> Integer.toString(rng.between(30, 46) * 10);
            case "m" -> rng.pick(MONTHS);
            case "k" -> "$" + rng.between(3, 150) * 1000 / (rng.chance(0.5) ? 100 : 1);
            case "w" -> Integer.toString(rng.between(5, 30) * 10);
            case "p" -> rng.pick(PEOPLE);
            case "tone" -> rng.pick(TONES);
            case "lang" -> rng.pick(LANGUAGES);
            case "age" -> rng.pick(AGES);
            case "age2" -> rng.pick(AGE2);
            case "para" -> paragraph(rng);
            case "sent" -> rng.pick(SENTENCES);
            case "q" -> rng.pick(new String[]{"is this normal?", "how much would a pro charge?",
                    "can I wait until spring?", "what's the cheapest fix?"});
            default -> slot;
        });
    }

    /** Occasional typos, as people type: swapped letters, lower-case starts. */
    static String typos(Rng rng, String text) {
        if (!rng.chance(0.25)) {
            return text;
        }
        char[] c = text.toCharArray();
        int swaps = rng.between(1, 2);
        for (int s = 0; s < swaps && c.length > 4; s++) {
            int i = rng.between(1, c.length - 3);
            if (Character.isLetter(c[i]) && Character.isLetter(c[i + 1])) {
                char t = c[i];
                c[i] = c[i + 1];
                c[i + 1] = t;
            }
        }
        if (rng.chance(0.4) && c.length > 0) {
            c[0] = Character.toLowerCase(c[0]);
        }
        return new String(c);
    }
}
