package io.extractionguard.loadtest.traffic;

import java.util.ArrayList;
import java.util.List;

/**
 * Legitimate groups that share the structure a coordinated campaign has (issue 16): accounts made
 * together, one card, one network, one client, one template. None may ever be challenged, blocked or
 * degraded. Written blind, with the adaptive campaigns, before the mix was first evaluated.
 */
final class SharedShapes {

    private SharedShapes() {
    }

    /** Exercises a teacher hands out: the same few problems for the whole group. */
    static List<String> exercises(Rng rng, int n, String ask) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("Exercise " + (i + 1) + ": write a Python function that " + CodeText.spec(rng) + ". " + ask);
        }
        return out;
    }

    /** Pasted exercises, asked and followed up in a person's own words. */
    static Sessions.Prompter pasting(List<String> exercises, double share) {
        return new Sessions.Prompter() {
            @Override
            public String first(Rng r) {
                return r.chance(share) ? r.pick(new String[]{"", "hi ", "ok next: ", "help: "}) + r.pick(exercises)
                        : CodeText.question(r);
            }

            @Override
            public String followUp(Rng r) {
                return r.chance(0.5) ? OrganicText.followUp(r) : "why does that work for " + r.pick(new String[]{
                        "an empty list", "negative numbers", "duplicates", "very long input"}) + "?";
            }
        };
    }

    /** An org-declared research team: accounts made the same week, one card, one office NAT, one client. */
    static final class OrgTeam implements Population {
        @Override
        public String label() {
            return "hard/org-team";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            String org = ctx.orgId();
            String card = ctx.paymentFingerprint();
            String nat = Infra.cloudPrefix(rng) + rng.between(2, 250);
            Infra.Client tool = new Infra.Client("lab-notebook", Infra.JA4_PYTHON, "lab-notebook/0.9 Anthropic/Python 0.40.0",
                    Request.Api.ANTHROPIC, "claude-sonnet-4-5");
            long made = ctx.start - rng.between(1, 3) * TraceContext.DAY;
            int members = Math.max(8, requests / 60);
            int[] volume = Sessions.volumes(rng, members, requests, 0.6);
            for (int i = 0; i < members; i++) {
                Rng a = rng.split();
                Account acct = ctx.account("pro", org, made + a.between(0, 1_800_000), card, tool);
                Sessions.human(ctx, a, label(), "org-team", acct, volume[i], 1, true,
                        a.chance(0.3) ? Organic.THINKER : Sessions.CODER,
                        new Sessions.Shape("", List.of(), a.chance(0.5) ? 4096 : 8192, true, Double.NaN), 0.6, 4, r -> nat);
            }
        }
    }

    /** A small company on one card without an org header: a few people, one office address, mixed clients. */
    static final class SmallCompany implements Population {
        @Override
        public String label() {
            return "hard/small-company";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            String card = ctx.paymentFingerprint();
            String office = Infra.homeAddress(rng);
            long made = ctx.start - rng.between(2, 20) * TraceContext.DAY;
            int people = rng.between(6, 10);
            int[] volume = Sessions.volumes(rng, people, requests, 0.7);
            for (int i = 0; i < people; i++) {
                Rng a = rng.split();
                Account acct = ctx.account("pro", null, made + a.between(0, 7_200_000), card, Infra.organicClient(a));
                Sessions.human(ctx, a, label(), "small-company", acct, volume[i], 2, true,
                        a.chance(0.5) ? Sessions.CODER : Sessions.GENERAL, Sessions.Shape.typical(a), 0.55, 3, r -> office);
            }
        }
    }

    /**
     * A classroom (accounts made in one session, one classroom /24, the starter kit's client, the same
     * eight exercises pasted with "explain step by step") and a paid workshop (the organiser's card,
     * a hotel network, five exercises with "show your full reasoning").
     */
    static final class Classroom implements Population {
        @Override
        public String label() {
            return "hard/classroom";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            group(ctx, rng.split(), requests * 2 / 3, 40, null, exercises(rng, 8, "Explain step by step."), "classroom");
            group(ctx, rng.split(), requests / 3, 20, ctx.paymentFingerprint(),
                    exercises(rng, 5, "Show your full reasoning."), "workshop");
        }

        private void group(TraceContext ctx, Rng rng, int requests, int size, String card, List<String> exercises,
                           String group) {
            String room = Infra.homeAddress(rng);
            String prefix = room.contains(":") ? room : room.substring(0, room.lastIndexOf('.') + 1);
            long session = ctx.start + (long) (rng.uniform(0.05, 0.3) * ctx.duration());
            Infra.Client kit = Infra.ORGANIC_CLIENTS.get(3);
            int[] volume = Sessions.volumes(rng, size, requests, 0.5);
            for (int i = 0; i < size; i++) {
                Rng a = rng.split();
                long created = session + a.between(0, 1_800_000);
                Account acct = ctx.account("free", null, created, card, kit);
                String ip = room.contains(":") ? room : prefix + a.between(10, 200);
                // the class works in the session and the few days after it
                Sessions.human(ctx, a, label(), group, acct, volume[i], created + 300_000, -5, false,
                        pasting(exercises, 0.7), new Sessions.Shape("", List.of(), 2048, false, Double.NaN), 0.5, 4,
                        r -> ip);
            }
        }
    }

    private static final String PRODUCT_RUBRIC = "You grade customer-support replies for our QA dashboard. Score the reply "
            + "from 1 to 5 for accuracy, tone and completeness, explain your reasoning step by step, and output JSON "
            + "{\"accuracy\":n,\"tone\":n,\"completeness\":n,\"why\":\"...\"}.\n\nTicket:\n{t}\n\nReply:\n{r}";

    /** An LLM-as-judge product: one enterprise account grading its customers' support replies around the clock. */
    static final class JudgeProduct implements Population {
        @Override
        public String label() {
            return "hard/judge-product";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Account acct = ctx.account("enterprise", ctx.orgId(), ctx.start - 300 * TraceContext.DAY,
                    ctx.paymentFingerprint(), Infra.ORGANIC_CLIENTS.get(3));
            String server = Infra.cloudPrefix(rng);
            double period = (double) ctx.duration() / requests;
            long t = ctx.start;
            for (int i = 0; i < requests; i++) {
                t += (long) (period * rng.uniform(0.2, 1.8));
                String text = PRODUCT_RUBRIC.replace("{t}", OrganicText.question(rng)).replace("{r}", OrganicText.answer(rng));
                ctx.add(t, label(), "judge-product", acct, server + rng.between(2, 9), acct.client(), new Request(
                        acct.client().api(), acct.client().model(), "", List.of(Request.Turn.user(text)), List.of(),
                        rng.chance(0.5) ? 512 : 1024, false, 0.0));
            }
        }
    }

    /**
     * An IDE vendor's plug-in: the vendor's fixed system prompt and tools, used by unrelated individual
     * developers (their own cards, homes and account ages), in agentic loops.
     */
    static final class IdeVendor implements Population {
        @Override
        public String label() {
            return "hard/ide-vendor";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Infra.Client plugin = new Infra.Client("acme-ide-plugin", Infra.JA4_JAVA, "AcmeIDE/3.2.1 anthropic-java/1.2.0",
                    Request.Api.ANTHROPIC, "claude-sonnet-4-5");
            int devs = Math.max(10, requests / 40);
            int[] volume = Sessions.volumes(rng, devs, requests, 0.7);
            for (int i = 0; i < devs; i++) {
                Rng a = rng.split();
                Account dev = ctx.account(a.chance(0.6) ? "pro" : "free", null,
                        ctx.start - (long) a.uniform(0, 400) * TraceContext.DAY - a.between(0, 80_000_000),
                        a.chance(0.8) ? ctx.paymentFingerprint() : null, plugin);
                java.util.function.Function<Rng, String> home = Organic.homeOrMobile(ctx, a);
                Sessions.Shape shape = new Sessions.Shape(HardCases.IDE_SYSTEM, HardCases.IDE_TOOLS, 8192, true, Double.NaN);
                Sessions.human(ctx, a, label(), "ide-vendor", dev, volume[i], TraceContext.utcOffset(a), true,
                        Sessions.CODER, shape, 0.7, 5, home);
            }
        }
    }
}
