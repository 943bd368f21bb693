package io.extractionguard.loadtest.traffic;

import java.util.ArrayList;
import java.util.List;

/**
 * Distillation campaigns as public reports describe them: hydra clusters of fresh accounts sharing
 * templates, payment instruments, cloud ranges and one client, load-balanced in lockstep; slow,
 * paraphrased campaigns through residential proxies and common clients; accounts using the model
 * as a grader; one account harvesting at volume. Every campaign mixes in ordinary-looking requests.
 */
final class Campaigns {

    private Campaigns() {
    }

    /** Tools an agentic harvesting template offers. */
    static final List<Request.Tool> AGENT_TOOLS = List.of(
            new Request.Tool("bash", "Run a shell command", List.of("command")),
            new Request.Tool("browser", "Open a URL and return the page text", List.of("url")),
            new Request.Tool("write_file", "Write a file", List.of("path", "content")),
            new Request.Tool("python", "Run Python code", List.of("code")));

    /** A client written for the campaign: its own TLS stack, a generic user agent. */
    static final Infra.Client CUSTOM_PYTHON = new Infra.Client("custom-httpx", "t13d1715h2_5b57614c22b0_3d5424432f57",
            "python-httpx/0.27.2", Request.Api.CHAT, "gpt-4.1");
    static final Infra.Client CUSTOM_GO = new Infra.Client("custom-go", "t13d1310h2_e8f1e7e78f70_4e8f8a1c9b33",
            "Go-http-client/2.0", Request.Api.ANTHROPIC, "claude-sonnet-4-5");

    /** An ordinary-looking request a campaign mixes in to dilute its profile. */
    static Request mixIn(Rng rng, Infra.Client c) {
        String text = rng.chance(0.5) ? OrganicText.question(rng) : CodeText.question(rng);
        return new Request(c.api(), c.model(), "", List.of(Request.Turn.user(text)), List.of(),
                rng.chance(0.5) ? 1024 : 2048, false, Double.NaN);
    }

    static Request harvest(Rng rng, Infra.Client c, CampaignText.Template t) {
        int[] budgets = {8192, 16000, 16000, 32000};
        return new Request(c.api(), c.model(), t.system(), List.of(Request.Turn.user(t.render(rng))),
                t.focus() == CampaignText.Focus.AGENTIC ? AGENT_TOOLS : List.of(), budgets[rng.nextInt(budgets.length)],
                rng.chance(0.3), rng.uniform(0.6, 1.0));
    }

    // --- hydra clusters --------------------------------------------------------------------------

    static final class Hydra implements Population {
        private final int clusters;
        private final double mixIn;

        Hydra(int clusters, double mixIn) {
            this.clusters = clusters;
            this.mixIn = mixIn;
        }

        @Override
        public String label() {
            return "campaign/hydra";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            List<CampaignText.Template> bank = ctx.bank();
            for (int c = 0; c < clusters; c++) {
                Rng cr = rng.split();
                List<CampaignText.Template> templates = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    templates.add(bank.get((c * 2 + k) % bank.size()));
                }
                Infra.Client client = switch (c % 3) {
                    case 0 -> CUSTOM_PYTHON;
                    case 1 -> Infra.ORGANIC_CLIENTS.get(0); // hides behind the most common SDK
                    default -> CUSTOM_GO;
                };
                cluster(ctx, cr, "hydra-" + (c + 1), requests / clusters, templates, client, c % 3 != 1);
            }
        }

        private void cluster(TraceContext ctx, Rng rng, String group, int requests, List<CampaignText.Template> templates,
                             Infra.Client client, boolean lockstep) {
            int accounts = Math.max(10, requests / 100);
            List<String> ranges = new ArrayList<>();
            for (int i = 0; i < rng.between(2, 4); i++) {
                ranges.add(Infra.cloudPrefix(rng));
            }
            List<String> cards = new ArrayList<>();
            for (int i = 0; i < Math.max(2, accounts / 15); i++) {
                cards.add(ctx.paymentFingerprint());
            }
            // accounts are created by a script in batches, some before the trace starts, more while it runs
            List<Account> pool = new ArrayList<>();
            int batchSize = rng.between(20, 60);
            for (int made = 0; made < accounts; ) {
                long batchAt = ctx.start - 10 * TraceContext.DAY + (long) (rng.uniform() * (10 * TraceContext.DAY + ctx.duration() * 0.6));
                String org = rng.chance(0.3) ? ctx.orgId() : null;
                for (int i = 0; i < batchSize && made < accounts; i++, made++) {
                    pool.add(ctx.account(rng.chance(0.85) ? "free" : "pro", org, batchAt + rng.between(0, 600_000),
                            rng.pick(cards), client));
                }
            }
            pool.sort((a, b) -> a.created().compareTo(b.created()));
            double period = (double) ctx.duration() / requests;
            int next = 0;
            for (int i = 0; i < requests; i++) {
                long t = lockstep ? ctx.start + (long) ((i + rng.uniform(-0.03, 0.03)) * period)
                        : ctx.start + (long) (rng.uniform() * ctx.duration());
                int active = activeCount(pool, t);
                if (active == 0) {
                    continue;
                }
                Account acct = lockstep ? pool.get(next++ % active) : pool.get(rng.nextInt(active));
                String ip = rng.pick(ranges) + rng.between(2, 250);
                Request r = rng.chance(mixIn) ? mixIn(rng, client) : harvest(rng, client, rng.pick(templates));
                ctx.add(t, label(), group, acct, ip, client, r);
            }
        }

        private static int activeCount(List<Account> byCreation, long t) {
            int n = 0;
            while (n < byCreation.size() && byCreation.get(n).created().toEpochMilli() <= t) {
                n++;
            }
            return n;
        }
    }

    // --- low and slow, paraphrased ------------------------------------------------------------------

    static final class LowAndSlow implements Population {
        private final double novelCot;
        private final double mixIn;

        LowAndSlow(double novelCot, double mixIn) {
            this.novelCot = novelCot;
            this.mixIn = mixIn;
        }

        @Override
        public String label() {
            return "campaign/low-slow";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            int accounts = Math.max(10, requests / 60);
            List<String> cards = new ArrayList<>();
            for (int i = 0; i < Math.max(2, accounts / 20); i++) {
                cards.add(ctx.paymentFingerprint());
            }
            long[] batches = new long[rng.between(4, 6)];
            for (int i = 0; i < batches.length; i++) {
                batches[i] = ctx.start - (long) rng.uniform(20, 200) * TraceContext.DAY;
            }
            int[] volume = Sessions.volumes(rng, accounts, requests, 0.4);
            for (int i = 0; i < accounts; i++) {
                Rng a = rng.split();
                Account acct = ctx.account(a.chance(0.7) ? "free" : "pro", null,
                        batches[a.nextInt(batches.length)] + a.between(0, 7_200_000), a.pick(cards), Infra.organicClient(a));
                int tz = TraceContext.utcOffset(a);
                int remaining = volume[i];
                while (remaining > 0) {
                    long t = ctx.humanTime(a, ctx.start, ctx.end, tz, false);
                    int n = Math.min(remaining, a.between(2, 6));
                    remaining -= n;
                    for (int k = 0; k < n; k++) {
                        Infra.Client c = Infra.organicClient(a); // rotates client software
                        String ip = Infra.homeAddress(a);         // and residential exit addresses
                        Request r;
                        if (a.chance(mixIn)) {
                            r = mixIn(a, c);
                        } else {
                            int[] budgets = {4096, 8192, 16000};
                            r = new Request(c.api(), c.model(), "", List.of(Request.Turn.user(
                                    CampaignText.paraphrased(a, novelCot, ctx.bankName))), List.of(), budgets[a.nextInt(3)], a.chance(0.4),
                                    Double.NaN);
                        }
                        ctx.add(t, label(), "low-slow", acct, ip, c, r);
                        t += (long) a.uniform(90_000, 900_000);
                    }
                }
            }
        }
    }

    // --- the model as a grader / reward model ------------------------------------------------------------

    static final class Grader implements Population {
        @Override
        public String label() {
            return "campaign/grader";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            int accounts = Math.max(8, requests / 100);
            String range = Infra.cloudPrefix(rng);
            List<String> cards = new ArrayList<>();
            for (int i = 0; i < Math.max(2, accounts / 30); i++) {
                cards.add(ctx.paymentFingerprint());
            }
            List<Account> pool = new ArrayList<>();
            for (int i = 0; i < accounts; i++) {
                long batch = ctx.start - (1 + i % 3) * 2 * TraceContext.DAY;
                pool.add(ctx.account(rng.chance(0.7) ? "free" : "pro", null, batch + rng.between(0, 900_000),
                        rng.pick(cards), CUSTOM_PYTHON));
            }
            for (int i = 0; i < requests; i++) {
                long t = ctx.start + (long) (rng.uniform() * ctx.duration());
                Account acct = rng.pick(pool);
                Request r = rng.chance(0.05) ? mixIn(rng, CUSTOM_PYTHON)
                        : new Request(CUSTOM_PYTHON.api(), CUSTOM_PYTHON.model(), "", List.of(Request.Turn.user(
                                CampaignText.grading(rng, ctx.bankName))), List.of(), rng.chance(0.5) ? 1024 : 2048, false, 0.0);
                ctx.add(t, label(), "grader", acct, range + rng.between(2, 60), CUSTOM_PYTHON, r);
            }
        }
    }

    // --- one account harvesting at volume ----------------------------------------------------------------

    static final class Harvester implements Population {
        @Override
        public String label() {
            return "campaign/harvester";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Infra.Client client = Infra.ORGANIC_CLIENTS.get(0);
            Account acct = ctx.account("pro", null, ctx.start - 5 * TraceContext.DAY, ctx.paymentFingerprint(), client);
            String ip = Infra.cloudPrefix(rng) + rng.between(2, 250);
            List<CampaignText.Template> bank = ctx.bank();
            double period = (double) ctx.duration() / requests;
            long t = ctx.start;
            for (int i = 0; i < requests; i++) {
                t += (long) (period * rng.uniform(0.5, 1.5));
                Request r = rng.chance(0.05) ? mixIn(rng, client) : harvest(rng, client, rng.pick(bank));
                ctx.add(t, label(), "harvester", acct, ip, client, r);
            }
        }
    }
}
