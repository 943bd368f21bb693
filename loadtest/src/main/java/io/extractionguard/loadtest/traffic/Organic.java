package io.extractionguard.loadtest.traffic;

import java.util.List;
import java.util.function.Function;

/** Ordinary API customers: people chatting, small apps with their own system prompt, batch jobs, developers. */
final class Organic {

    private Organic() {
    }

    private static final String[] APP_DOMAINS = {"a recipe website", "a language-learning app", "a travel agency",
            "an online bookstore", "a fitness studio", "a real-estate agency", "a city library", "a dental clinic",
            "a bike shop", "a museum", "a local newspaper", "a tax-preparation service", "a pet-supplies store"};
    private static final String[] BATCH_INSTRUCTIONS = {
        "Classify the following customer message into one of: billing, bug report, feature request, account access, "
                + "other. Reply with the label only.\n\nMessage:",
        "Summarize the following meeting note in one sentence for the weekly digest.\n\nNote:",
        "Extract the company names and dates mentioned in the text below as JSON with keys companies and dates.\n\nText:",
        "Rate the sentiment of this product review from 1 (very negative) to 5 (very positive). Answer with a number.\n\nReview:",
        "Translate the following support reply into Spanish, keeping the tone.\n\nReply:",
        "Write a short, neutral title for this forum post.\n\nPost:"};

    private static final String[] REASONING_ASKS = {" Please show your full reasoning.", " Explain your reasoning in detail.",
            " Walk through your entire thought process.", " Show every step of your thinking.",
            " Include every intermediate step, I want to learn how to do it."};

    /** Someone who always wants the reasoning: maths, science and philosophy questions, puzzles, code. */
    static final Sessions.Prompter THINKER = new Sessions.Prompter() {
        @Override
        public String first(Rng rng) {
            String q = switch (rng.nextInt(4)) {
                case 0 -> Problems.math(rng);
                case 1 -> CodeText.question(rng);
                default -> OrganicText.question(rng);
            };
            return q + rng.pick(REASONING_ASKS);
        }

        @Override
        public String followUp(Rng rng) {
            return OrganicText.followUp(rng) + (rng.chance(0.5) ? rng.pick(REASONING_ASKS) : "");
        }
    };

    /** The address one account uses: mostly its home line, sometimes a mobile carrier's shared NAT. */
    static Function<Rng, String> homeOrMobile(TraceContext ctx, Rng rng) {
        String home = Infra.homeAddress(rng);
        double mobile = rng.chance(0.3) ? rng.uniform(0.3, 0.9) : rng.uniform(0, 0.1);
        return r -> r.chance(mobile) ? r.pick(ctx.carrierPools) + r.between(1, 254) : home;
    }

    /** People and small products using the API for everything but code. */
    static final class General implements Population {
        @Override
        public String label() {
            return "organic/general";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            int accounts = Math.max(1, requests / 20);
            // apps send twice and batch jobs three times a person's volume: 0.75 + 0.18 * 2 + 0.07 * 3 = 1.32
            int[] volume = Sessions.volumes(rng, accounts, (int) (requests / 1.32), 1.0);
            for (int i = 0; i < accounts; i++) {
                Rng a = rng.split();
                double kind = a.uniform();
                String tier = a.chance(0.25) ? "pro" : "free";
                long created = ctx.start - (long) a.uniform(2 * TraceContext.DAY, 900 * TraceContext.DAY);
                String payment = tier.equals("pro") || a.chance(0.5) ? ctx.paymentFingerprint() : null;
                String org = a.chance(0.2) ? ctx.orgId() : null;
                Account acct = ctx.account(tier, org, created, payment, Infra.organicClient(a));
                int tz = TraceContext.utcOffset(a);
                if (kind < 0.03) {
                    // people who always ask for the full reasoning, with long answers: harvest-shaped, but one person
                    Sessions.human(ctx, a, label(), "thinker", acct, volume[i], tz, false, THINKER,
                            new Sessions.Shape("", List.of(), a.chance(0.5) ? 8192 : 16000, a.chance(0.5), Double.NaN),
                            0.6, 3, homeOrMobile(ctx, a));
                } else if (kind < 0.75) {
                    Sessions.human(ctx, a, label(), "personal", acct, volume[i], tz, false, Sessions.GENERAL,
                            Sessions.Shape.typical(a), 0.55, 3, homeOrMobile(ctx, a));
                } else if (kind < 0.93) {
                    String server = Infra.cloudPrefix(a) + a.between(2, 250);
                    String system = "You are the assistant of " + a.pick(APP_DOMAINS) + ". Answer customers' questions "
                            + "politely and concisely. If you do not know, say so and suggest contacting staff.";
                    Sessions.Shape shape = new Sessions.Shape(system, List.of(), a.chance(0.5) ? 512 : 1024,
                            a.chance(0.5), Double.NaN);
                    Sessions.human(ctx, a, label(), "app", acct, volume[i] * 2, tz, false, Sessions.GENERAL, shape,
                            0.4, 2.5, r -> server);
                } else {
                    batch(ctx, a, acct, volume[i] * 3, tz);
                }
            }
        }

        /** A script that runs a fixed instruction over documents, at a steady pace under the tier's limits. */
        private void batch(TraceContext ctx, Rng a, Account acct, int requests, int tz) {
            String instruction = a.pick(BATCH_INSTRUCTIONS);
            String server = Infra.cloudPrefix(a) + a.between(2, 250);
            long pace = acct.tier().equals("pro") ? a.between(1_500, 4_000) : a.between(7_000, 12_000);
            int maxTokens = new int[]{16, 64, 256}[a.nextInt(3)];
            Infra.Client c = acct.client();
            int remaining = requests;
            while (remaining > 0) {
                long t = ctx.humanTime(a, ctx.start, ctx.end, tz, true);
                int run = Math.min(remaining, a.between(30, 160));
                for (int k = 0; k < run; k++) {
                    Request r = new Request(c.api(), c.model(), "", List.of(Request.Turn.user(
                            OrganicText.documentTask(a, instruction))), List.of(), maxTokens, false, 0.0);
                    ctx.add(t, label(), "batch", acct, server, c, r);
                    t += (long) (pace * a.uniform(0.9, 1.1));
                }
                remaining -= run;
            }
        }
    }

    /** Developers asking about their code, some through tools that let the model read files and run tests. */
    static final class Coders implements Population {
        static final List<Request.Tool> DEV_TOOLS = List.of(
                new Request.Tool("read_file", "Read a file from the project", List.of("path")),
                new Request.Tool("run_tests", "Run the test suite and return the output", List.of("target")),
                new Request.Tool("search", "Search the code base", List.of("query")));

        @Override
        public String label() {
            return "organic/coder";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            int accounts = Math.max(1, requests / 30);
            int[] volume = Sessions.volumes(rng, accounts, requests, 1.0);
            for (int i = 0; i < accounts; i++) {
                Rng a = rng.split();
                String tier = a.chance(0.45) ? "pro" : "free";
                long created = ctx.start - (long) a.uniform(3 * TraceContext.DAY, 1000 * TraceContext.DAY);
                String payment = tier.equals("pro") || a.chance(0.4) ? ctx.paymentFingerprint() : null;
                Account acct = ctx.account(tier, a.chance(0.3) ? ctx.orgId() : null, created, payment, Infra.organicClient(a));
                int[] budgets = {1024, 2048, 4096, 4096, 8192, 8192, 16000};
                boolean tools = a.chance(0.12);
                boolean asksReasoning = a.chance(0.15);
                boolean alwaysReasoning = a.chance(0.05);
                Sessions.Shape shape = new Sessions.Shape(tools ? "You are a coding assistant working in the user's repository." : "",
                        tools ? DEV_TOOLS : List.of(), budgets[a.nextInt(budgets.length)], a.chance(0.5), Double.NaN);
                Sessions.Prompter prompter = asksReasoning || alwaysReasoning ? new Sessions.Prompter() {
                    @Override
                    public String first(Rng r) {
                        String q = Sessions.CODER.first(r);
                        return alwaysReasoning || r.chance(0.2) ? q + "\nPlease explain your reasoning in detail." : q;
                    }

                    @Override
                    public String followUp(Rng r) {
                        return Sessions.CODER.followUp(r);
                    }
                } : Sessions.CODER;
                Sessions.human(ctx, a, label(), tools ? "tools" : "chat", acct, volume[i], TraceContext.utcOffset(a),
                        a.chance(0.7), prompter, shape, 0.6, 4, homeOrMobile(ctx, a));
            }
        }
    }
}
