package io.extractionguard.loadtest.traffic;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** People using a model: sessions at active hours, several requests each, often continuing one conversation. */
final class Sessions {

    private Sessions() {
    }

    /** What one account writes. */
    interface Prompter {
        String first(Rng rng);

        String followUp(Rng rng);
    }

    static final Prompter GENERAL = new Prompter() {
        @Override
        public String first(Rng rng) {
            return OrganicText.question(rng);
        }

        @Override
        public String followUp(Rng rng) {
            return OrganicText.followUp(rng);
        }
    };

    static final Prompter CODER = new Prompter() {
        @Override
        public String first(Rng rng) {
            return rng.chance(0.85) ? CodeText.question(rng) : OrganicText.question(rng);
        }

        @Override
        public String followUp(Rng rng) {
            return rng.chance(0.5) ? CodeText.question(rng) : OrganicText.followUp(rng);
        }
    };

    /**
     * How an account's requests look apart from their text.
     *
     * @param system      system prompt ("" for none)
     * @param tools       tools offered
     * @param maxTokens   output budget
     * @param stream      streamed answers
     * @param temperature NaN when unset
     */
    record Shape(String system, List<Request.Tool> tools, int maxTokens, boolean stream, double temperature) {
        static Shape typical(Rng rng) {
            int[] budgets = {256, 512, 1024, 1024, 1024, 2048, 4096, 4096, 8192};
            return new Shape("", List.of(), budgets[rng.nextInt(budgets.length)], rng.chance(0.4),
                    rng.chance(0.3) ? rng.between(0, 10) / 10.0 : Double.NaN);
        }
    }

    /**
     * Emits about {@code requests} requests of one account in human sessions.
     *
     * @param continueChance probability that the next request continues the conversation
     * @param meanSession    mean requests per session
     * @param ips            the address of each request (given the session's randomness)
     */
    static void human(TraceContext ctx, Rng rng, String label, String group, Account account, int requests,
                      int utcOffset, boolean workday, Prompter prompter, Shape shape, double continueChance,
                      double meanSession, Function<Rng, String> ips) {
        human(ctx, rng, label, group, account, requests, ctx.start, utcOffset, workday, prompter, shape, continueChance,
                meanSession, ips);
    }

    /** As above, with sessions starting no earlier than {@code from}. */
    static void human(TraceContext ctx, Rng rng, String label, String group, Account account, int requests, long from,
                      int utcOffset, boolean workday, Prompter prompter, Shape shape, double continueChance,
                      double meanSession, Function<Rng, String> ips) {
        int remaining = requests;
        while (remaining > 0) {
            long t = ctx.humanTime(rng, from, ctx.end, utcOffset, workday);
            int n = Math.min(remaining, rng.geometric(meanSession));
            String ip = ips.apply(rng);
            List<Request.Turn> turns = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (i == 0 || !rng.chance(continueChance) || turns.size() > 16) {
                    turns = new ArrayList<>();
                    turns.add(Request.Turn.user(prompter.first(rng)));
                } else {
                    turns = new ArrayList<>(turns);
                    turns.add(Request.Turn.assistant(OrganicText.answer(rng)));
                    turns.add(Request.Turn.user(prompter.followUp(rng)));
                }
                Infra.Client c = account.client();
                ctx.add(t, label, group, account, ip, c, new Request(c.api(), c.model(), shape.system(), List.copyOf(turns),
                        shape.tools(), shape.maxTokens(), shape.stream(), shape.temperature()));
                t += (long) (rng.logNormal(45_000, 0.8) + rng.uniform(2_000, 20_000));
            }
            remaining -= n;
        }
    }

    /** Requests per account: heavy-tailed (log-normal) with the given total, at least one each. */
    static int[] volumes(Rng rng, int accounts, int total, double sigma) {
        double[] raw = new double[accounts];
        double sum = 0;
        for (int i = 0; i < accounts; i++) {
            raw[i] = Math.exp(sigma * rng.gaussian());
            sum += raw[i];
        }
        int[] out = new int[accounts];
        for (int i = 0; i < accounts; i++) {
            out[i] = Math.max(1, (int) Math.round(raw[i] / sum * total));
        }
        return out;
    }
}
