package io.extractionguard.loadtest.traffic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Campaigns written by someone who has read docs/campaigns.md and docs/evaluation.md (issue 16):
 * each family is a strategy against one documented piece of the policy. The wording and
 * parameters here were fixed before the mix was first evaluated (blind round, docs/evaluation.md).
 *
 * <ul>
 *   <li>{@code padded}: a made-up earlier exchange in front of every ask, so no request stands alone;</li>
 *   <li>{@code short-budget}: 600–1,500-token budgets and twice the requests, under the one-shot budget ramp;</li>
 *   <li>{@code mimic-ide}: the IDE vendor's system prompt and tools from fresh accounts, one task per request;</li>
 *   <li>{@code mimic-harness}: an evaluation harness's shapes (temperature 0, "Let's think step by step",
 *   bursts at a machine pace) around capability problems;</li>
 *   <li>{@code judge-farm}: model-as-judge / reward-model rubric with no reasoning words, moderate budgets;</li>
 *   <li>{@code warmed}: aged accounts that send organic traffic for the first part of the trace, then harvest;</li>
 *   <li>{@code card-each}: one card and one residential address per account, its own common client;</li>
 *   <li>{@code paraphrase}: every request of a templated cluster rewritten (sentences, synonyms, order);</li>
 *   <li>{@code paced}: a templated cluster at the published per-account pace of real campaigns, about
 *   26 requests per account per day in human-like sessions;</li>
 *   <li>{@code continued}: faked continuations (blind round of 2026-12-07, written before its first
 *   evaluation): every ask after a chain's first resends the previous request and the model's answer
 *   in front of a new, unrelated problem, so the account "continues" its conversations;</li>
 *   <li>{@code history-stuffed}: faked continuations whose new problem sits in the claimed history (an
 *   invented earlier user turn, or appended to the resent answer) behind a short "now solve that one"
 *   (blind round of 2026-12-07, second, written before its first evaluation).</li>
 * </ul>
 */
final class Adaptive {

    private Adaptive() {
    }

    /** Requests per account per day in the published campaign figures (28.8M / 25,000 / 44 days). */
    static final double PUBLISHED_PACE = 26;

    /** The family's structure: who the accounts are and what they share. */
    record Cluster(List<Account> accounts, List<String> ranges, Infra.Client client) {
    }

    /**
     * Fresh accounts created by a script in batches (some before the trace, some during it), sharing a
     * pool of cards ({@code perCard} accounts each) and 2–3 cloud /24s.
     */
    static Cluster freshCluster(TraceContext ctx, Rng rng, int accounts, int perCard, Infra.Client client, String tier) {
        List<String> cards = new ArrayList<>();
        for (int i = 0; i < Math.max(2, accounts / perCard); i++) {
            cards.add(ctx.paymentFingerprint());
        }
        List<String> ranges = new ArrayList<>();
        for (int i = 0; i < rng.between(2, 3); i++) {
            ranges.add(Infra.cloudPrefix(rng));
        }
        List<Account> pool = new ArrayList<>();
        int batch = rng.between(15, 40);
        for (int made = 0; made < accounts; ) {
            long at = ctx.start - 4 * TraceContext.DAY + (long) (rng.uniform() * (4 * TraceContext.DAY + ctx.duration() * 0.5));
            for (int i = 0; i < batch && made < accounts; i++, made++) {
                pool.add(ctx.account(tier != null ? tier : rng.chance(0.8) ? "free" : "pro", null,
                        at + rng.between(0, 900_000), rng.pick(cards), client));
            }
        }
        return new Cluster(pool, ranges, client);
    }

    /** Emits {@code requests} at random times over the trace from the cluster's accounts that exist by then. */
    static void spread(TraceContext ctx, Rng rng, String label, String group, Cluster c, int requests,
                       java.util.function.Function<Rng, Request> ask) {
        for (int i = 0; i < requests; i++) {
            long t = ctx.start + (long) (rng.uniform() * ctx.duration());
            Account a = rng.pick(c.accounts());
            if (a.created().toEpochMilli() > t) {
                continue;
            }
            ctx.add(t, label, group, a, rng.pick(c.ranges()) + rng.between(2, 250), c.client(), ask.apply(rng));
        }
    }

    /** A harvesting ask in this file's own wording (bank E): problem, an ask for the working, a format. */
    static String ask(Rng rng, CampaignText.Focus focus) {
        String problem = CampaignText.problem(rng, focus);
        return rng.pick(LEADS) + " " + problem + " " + rng.pick(WORKING) + " " + rng.pick(FORMAT);
    }

    private static final String[] LEADS = {"Consider the following.", "New item:", "Next exercise.", "Input:",
            "Here is the task.", "Item for the dataset:"};
    private static final String[] WORKING = {"Show the working in full, one step per line, before the result.",
            "Lay out every step of the derivation, including checks you would normally skip.",
            "Think it through explicitly and write down each intermediate conclusion.",
            "Give a thorough step-by-step solution and then the final answer."};
    private static final String[] FORMAT = {"Final answer on the last line.", "End with: RESULT = ...", "",
            "Put the code in one block at the end."};
    private static final CampaignText.Focus[] FOCUS = {CampaignText.Focus.CODING, CampaignText.Focus.CODING,
            CampaignText.Focus.MATH, CampaignText.Focus.PUZZLE, CampaignText.Focus.PLANNING};

    static CampaignText.Focus focus(Rng rng) {
        return FOCUS[rng.nextInt(FOCUS.length)];
    }

    private static Request single(Infra.Client c, String system, String text, int budget, Rng rng) {
        return new Request(c.api(), c.model(), system, List.of(Request.Turn.user(text)), List.of(), budget,
                rng.chance(0.3), Double.NaN);
    }

    private static int longBudget(Rng rng) {
        return new int[]{8192, 16000, 16000, 32000}[rng.nextInt(4)];
    }

    // --- padded fake history ------------------------------------------------------------------------

    static final class Padded implements Population {
        @Override
        public String label() {
            return "campaign/padded";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Cluster c = freshCluster(ctx, rng, Math.max(10, requests / 100), 12, Campaigns.CUSTOM_PYTHON, null);
            spread(ctx, rng, label(), "padded", c, requests, r -> {
                List<Request.Turn> turns = new ArrayList<>();
                for (int k = 0; k < r.between(1, 2); k++) {
                    turns.add(Request.Turn.user(r.chance(0.5) ? OrganicText.question(r) : CodeText.question(r)));
                    turns.add(Request.Turn.assistant(OrganicText.answer(r)));
                }
                turns.add(Request.Turn.user(ask(r, focus(r))));
                return new Request(c.client().api(), c.client().model(), "", turns, List.of(), longBudget(r),
                        r.chance(0.3), Double.NaN);
            });
        }
    }

    // --- short budgets, more requests ------------------------------------------------------------------

    static final class ShortBudget implements Population {
        @Override
        public String label() {
            return "campaign/short-budget";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Cluster c = freshCluster(ctx, rng, Math.max(10, requests / 200), 15, Campaigns.CUSTOM_GO, null);
            spread(ctx, rng, label(), "short-budget", c, requests, r -> single(c.client(), "",
                    ask(r, focus(r)) + " Keep it compact.", r.between(600, 1500), r));
        }
    }

    // --- mimicry of the IDE integration ----------------------------------------------------------------

    static final class MimicIde implements Population {
        @Override
        public String label() {
            return "campaign/mimic-ide";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Infra.Client ide = new Infra.Client("acme-ide-mimic", Infra.JA4_JAVA, "AcmeIDE/3.2.1 anthropic-java/1.2.0",
                    Request.Api.ANTHROPIC, "claude-sonnet-4-5");
            Cluster c = freshCluster(ctx, rng, Math.max(10, requests / 100), 12, ide, "pro");
            spread(ctx, rng, label(), "mimic-ide", c, requests, r -> {
                List<Request.Turn> turns = new ArrayList<>();
                turns.add(Request.Turn.user("Implement this in src/solutions/Task" + r.hex(6) + ".py: "
                        + CampaignText.problem(r, CampaignText.Focus.CODING) + " Explain the approach step by step first."));
                if (r.chance(0.5)) { // a token tool round so the request looks like an agentic loop
                    String id = "toolu_" + r.hex(20);
                    turns.add(Request.Turn.toolCalls("Let me look at the code first.",
                            List.of(new Request.ToolCall(id, "list_directory", Map.of("path", "src/solutions")))));
                    turns.add(Request.Turn.toolResults(List.of(new Request.ToolResult(id, "README.md\n__init__.py\n"))));
                }
                return new Request(Request.Api.ANTHROPIC, "claude-sonnet-4-5", HardCases.IDE_SYSTEM, turns,
                        HardCases.IDE_TOOLS, 8192, true, Double.NaN);
            });
        }
    }

    // --- mimicry of an evaluation harness --------------------------------------------------------------

    static final class MimicHarness implements Population {
        @Override
        public String label() {
            return "campaign/mimic-harness";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Cluster c = freshCluster(ctx, rng, Math.max(10, requests / 150), 15, Infra.ORGANIC_CLIENTS.get(3), null);
            int remaining = requests;
            while (remaining > 0) {
                Account a = rng.pick(c.accounts());
                int run = Math.min(remaining, rng.between(40, 120));
                remaining -= run;
                long t = Math.max(a.created().toEpochMilli(), ctx.start) + (long) (rng.uniform() * ctx.duration() * 0.9);
                String ip = rng.pick(c.ranges()) + rng.between(2, 250);
                long gap = rng.between(6_500, 9_000); // under the free tier's 10 a minute
                for (int k = 0; k < run; k++) {
                    String text = "Question: " + CampaignText.problem(rng, rng.chance(0.5) ? CampaignText.Focus.MATH
                            : CampaignText.Focus.CODING) + "\nLet's think step by step.\nAnswer:";
                    ctx.add(t, label(), "mimic-harness", a, ip, c.client(), new Request(c.client().api(),
                            c.client().model(), "", List.of(Request.Turn.user(text)), List.of(), 4096, false, 0.0));
                    t += (long) (gap * rng.uniform(0.9, 1.1));
                }
            }
        }
    }

    // --- model-as-judge farm without reasoning words ---------------------------------------------------

    private static final String JUDGE_E = "Rate the answer below against the reference criteria. Criteria: correctness, "
            + "completeness, efficiency, style. For each criterion give a score from 1 to 10 and two sentences on what "
            + "is good and what is missing. Finish with OVERALL: <score>.\n\nQUESTION\n{q}\n\nANSWER\n{a}";

    static final class JudgeFarm implements Population {
        @Override
        public String label() {
            return "campaign/judge-farm";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Cluster c = freshCluster(ctx, rng, Math.max(8, requests / 100), 25, Campaigns.CUSTOM_PYTHON, null);
            spread(ctx, rng, label(), "judge-farm", c, requests, r -> {
                CampaignText.Focus f = r.chance(0.6) ? CampaignText.Focus.CODING : CampaignText.Focus.MATH;
                String text = JUDGE_E.replace("{q}", CampaignText.problem(r, f)).replace("{a}", r.chance(0.5)
                        ? CodeText.snippet(r, CodeText.lang(r)) : OrganicText.answer(r));
                return new Request(c.client().api(), c.client().model(), "", List.of(Request.Turn.user(text)), List.of(),
                        r.chance(0.5) ? 1024 : 2048, false, 0.0);
            });
        }
    }

    // --- aged accounts, warmed with organic traffic ------------------------------------------------------

    static final class Warmed implements Population {
        @Override
        public String label() {
            return "campaign/warmed";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            int accounts = Math.max(10, requests / 80);
            List<String> cards = new ArrayList<>();
            for (int i = 0; i < Math.max(2, accounts / 10); i++) {
                cards.add(ctx.paymentFingerprint());
            }
            long switchAt = ctx.start + (long) (ctx.duration() * 0.35);
            int[] volume = Sessions.volumes(rng, accounts, requests, 0.4);
            for (int i = 0; i < accounts; i++) {
                Rng a = rng.split();
                Account acct = ctx.account(a.chance(0.7) ? "free" : "pro", null,
                        ctx.start - (long) a.uniform(60, 150) * TraceContext.DAY, a.pick(cards), Infra.organicClient(a));
                int tz = TraceContext.utcOffset(a);
                String home = Infra.homeAddress(a);
                int warm = volume[i] / 4;
                for (int k = 0; k < warm; k++) { // the warm-up: ordinary sessions before the switch
                    long t = ctx.humanTime(a, ctx.start, switchAt, tz, false);
                    Infra.Client cl = acct.client();
                    ctx.add(t, label(), "warm-up", acct, home, cl, Campaigns.mixIn(a, cl));
                }
                for (int k = warm; k < volume[i]; k++) {
                    long t = ctx.humanTime(a, switchAt, ctx.end, tz, false);
                    Infra.Client cl = acct.client();
                    ctx.add(t, label(), "harvest", acct, Infra.homeAddress(a), cl,
                            single(cl, "", ask(a, focus(a)), longBudget(a), a));
                }
            }
        }
    }

    // --- one card and one residential address per account -------------------------------------------------

    static final class CardEach implements Population {
        @Override
        public String label() {
            return "campaign/card-each";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            double days = ctx.duration() / (double) TraceContext.DAY;
            int accounts = Math.max(10, (int) Math.round(requests / (PUBLISHED_PACE * days)));
            for (int i = 0; i < accounts; i++) {
                Rng a = rng.split();
                Account acct = ctx.account("free", null, ctx.start - (long) a.uniform(10, 60) * TraceContext.DAY,
                        ctx.paymentFingerprint(), Infra.organicClient(a));
                String home = Infra.homeAddress(a);
                int tz = TraceContext.utcOffset(a);
                int n = (int) Math.round(requests / (double) accounts);
                for (int k = 0; k < n; k++) {
                    long t = ctx.humanTime(a, ctx.start, ctx.end, tz, false);
                    boolean mixIn = a.chance(0.2);
                    Request r = mixIn ? Campaigns.mixIn(a, acct.client())
                            : single(acct.client(), "", ask(a, focus(a)), longBudget(a), a);
                    ctx.add(t, label(), mixIn ? "mix-in" : "harvest", acct, home, acct.client(), r);
                }
            }
        }
    }

    // --- per-request paraphrase of every template -----------------------------------------------------------

    private static final String[][] SYNONYMS = {{"Show", "Present", "Write out", "Give"},
            {"the working", "your working", "the solution path", "the derivation"},
            {"in full", "completely", "without skipping anything", "at length"},
            {"step", "stage", "move"}, {"Final answer", "Result", "Conclusion", "Answer"}};

    static String paraphrase(Rng rng, String problem) {
        List<String> parts = new ArrayList<>(List.of(
                rng.pick(SYNONYMS[0]) + " " + rng.pick(SYNONYMS[1]) + " " + rng.pick(SYNONYMS[2]) + ".",
                "Go " + rng.pick(SYNONYMS[3]) + " by " + rng.pick(SYNONYMS[3]) + ".",
                rng.pick(SYNONYMS[4]) + " at the end."));
        java.util.Collections.shuffle(parts, new java.util.Random(rng.nextLong()));
        String head = rng.pick(new String[]{"", "Task:", "Problem statement:", "Here you go:", "Please help."});
        return OrganicText.typos(rng, (rng.chance(0.5) ? head + " " + problem + " " + String.join(" ", parts)
                : String.join(" ", parts) + " " + head + " " + problem).trim());
    }

    static final class Paraphrase implements Population {
        @Override
        public String label() {
            return "campaign/paraphrase";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            Cluster c = freshCluster(ctx, rng, Math.max(10, requests / 100), 15, Infra.ORGANIC_CLIENTS.get(0), null);
            spread(ctx, rng, label(), "paraphrase", c, requests,
                    r -> single(c.client(), "", paraphrase(r, CampaignText.problem(r, focus(r))), longBudget(r), r));
        }
    }

    // --- a templated cluster at the published per-account pace -------------------------------------------------

    static final class Paced implements Population {
        @Override
        public String label() {
            return "campaign/paced";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            double days = ctx.duration() / (double) TraceContext.DAY;
            int accounts = Math.max(10, (int) Math.round(requests / (PUBLISHED_PACE * days)));
            Cluster c = freshCluster(ctx, rng, accounts, 15, Campaigns.CUSTOM_GO, null);
            List<CampaignText.Template> templates = List.of(ctx.bank().get(0), ctx.bank().get(1));
            for (Account a : c.accounts()) {
                Rng ar = rng.split();
                int tz = TraceContext.utcOffset(ar);
                long from = Math.max(ctx.start, a.created().toEpochMilli());
                int n = (int) Math.round(PUBLISHED_PACE * (ctx.end - from) / TraceContext.DAY);
                while (n > 0) {
                    long t = ctx.humanTime(ar, from, ctx.end, tz, false);
                    int session = Math.min(n, ar.between(2, 6));
                    n -= session;
                    String ip = ar.pick(c.ranges()) + ar.between(2, 250);
                    for (int k = 0; k < session; k++) {
                        Request r = ar.chance(0.15) ? Campaigns.mixIn(ar, c.client())
                                : Campaigns.harvest(ar, c.client(), ar.pick(templates));
                        ctx.add(t, label(), "paced", a, ip, c.client(), r);
                        t += (long) ar.uniform(60_000, 600_000);
                    }
                }
            }
        }
    }

    // --- faked continuations (blind, 2026-12-07) ---------------------------------------------------------

    /**
     * A templated cluster of the hydra shape that fakes conversations: each session is a run of chains;
     * a chain's first request is a standalone ask, and each next one (1–3 of them) resends the previous
     * request's turns and the model's answer before a new, unrelated problem, which is what the
     * documented {@code continues} rule accepts. Half the accounts resend the answer in full (a worked
     * solution of 800–3,000 characters; the trace has no model, so this stands in for what the model
     * said), the other half, to save input tokens, only its first 300 characters. 10% mixed in.
     */
    static final class Continued implements Population {
        @Override
        public String label() {
            return "campaign/continued";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            chainSessions(ctx, requests, rng, Campaigns.CUSTOM_GO, label(), ar -> "continued", (chain, answer, group, ar) -> {
                if (answer != null) {
                    chain.add(Request.Turn.assistant(answer));
                }
                chain.add(Request.Turn.user(ask(ar, focus(ar))));
            });
        }
    }

    /** What a faked continuation puts in its chain: {@code answer} is the resent answer, null at a chain's start. */
    interface ChainTurns {
        void add(List<Request.Turn> chain, String answer, String group, Rng ar);
    }

    /**
     * The shape both faked-continuation families share: a fresh hydra cluster (cards shared by ~12, cloud /24s,
     * {@code client}); per account, sessions of 3–8 requests at human times, each a run of chains of 2–4 asks whose
     * next request resends the previous turns and a worked answer (in full, or its first 300 characters for half
     * the accounts); 10% mixed in; 8–32k budgets. {@code groupOf} names an account's group, {@code turns} writes
     * each request's new turns.
     */
    static void chainSessions(TraceContext ctx, int requests, Rng rng, Infra.Client client, String label,
                              Function<Rng, String> groupOf, ChainTurns turns) {
        chainSessions(ctx, requests, rng, client, label, groupOf, group -> client, List.of(), turns);
    }

    /** As above, each group speaking through its own client ({@code clientOf}), offering {@code tools}. */
    static void chainSessions(TraceContext ctx, int requests, Rng rng, Infra.Client client, String label,
                              Function<Rng, String> groupOf, Function<String, Infra.Client> clientOf,
                              List<Request.Tool> tools, ChainTurns turns) {
        Cluster c = freshCluster(ctx, rng, Math.max(10, requests / 100), 12, client, null);
        int perAccount = Math.max(1, requests / c.accounts().size());
        for (Account a : c.accounts()) {
            Rng ar = rng.split();
            boolean thrifty = ar.chance(0.5);
            String group = groupOf.apply(ar);
            Infra.Client speaks = clientOf.apply(group);
            int tz = TraceContext.utcOffset(ar);
            long from = Math.max(ctx.start, a.created().toEpochMilli());
            if (from >= ctx.end) {
                continue;
            }
            int n = perAccount;
            while (n > 0) {
                long t = ctx.humanTime(ar, from, ctx.end, tz, false);
                String ip = ar.pick(c.ranges()) + ar.between(2, 250);
                int session = Math.min(n, ar.between(3, 8));
                n -= session;
                List<Request.Turn> chain = new ArrayList<>();
                int chainLeft = 0;
                for (int k = 0; k < session; k++) {
                    Request r;
                    if (ar.chance(0.1)) {
                        r = Campaigns.mixIn(ar, speaks);
                    } else {
                        if (chainLeft == 0) {
                            chain = new ArrayList<>();
                            chainLeft = ar.between(2, 4);
                            turns.add(chain, null, group, ar);
                        } else {
                            String answer = workedAnswer(ar);
                            turns.add(chain, thrifty ? answer.substring(0, Math.min(300, answer.length())) : answer,
                                    group, ar);
                        }
                        chainLeft--;
                        r = new Request(speaks.api(), speaks.model(), "", List.copyOf(chain), tools,
                                longBudget(ar), ar.chance(0.3), Double.NaN);
                    }
                    ctx.add(t, label, group, a, ip, speaks, r);
                    t += (long) ar.uniform(40_000, 400_000);
                }
            }
        }
    }

    // --- history-stuffed continuations (blind, 2026-12-07, second) ------------------------------------

    /** The cluster's own client: a Node script (Node's TLS stack, a bare user agent). */
    static final Infra.Client CUSTOM_NODE = new Infra.Client("custom-undici", Infra.JA4_NODE,
            "undici", Request.Api.ANTHROPIC, "claude-sonnet-4-5");
    private static final String[] ACKS = {"Got it. Shall I solve it?", "Understood, ready when you are.",
            "Thanks, I have the problem.", "OK. Want the full solution?"};
    private static final String[] GO = {"Now solve that one.", "Go ahead, solve it step by step.",
            "Now do that one the same way.", "Yes, solve it.", "Same for this one please.", "Now that one."};

    /**
     * Faked continuations that hide the new problem in the claimed history (blind round of 2026-12-07,
     * written before its first evaluation): the hydra shape (fresh accounts, cards shared by ~12, cloud /24s,
     * its own client); each session is a run of chains of 2–4 asks; a chain's first request is a standalone
     * ask; each next one resends the previous request's turns and the model's answer (in full, or its first
     * 300 characters for half the accounts), then carries the new bank-E problem where the new-turn length
     * rule does not look, and ends with a short user turn ("Now solve that one.", under 40 characters).
     * Two thirds of the accounts (group {@code in-user}) put the problem in an invented user turn followed by
     * an invented assistant acknowledgement; one third ({@code in-answer}) append it to the resent answer.
     * 10% mixed in; 8–32k budgets.
     */
    static final class HistoryStuffed implements Population {
        @Override
        public String label() {
            return "campaign/history-stuffed";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            chainSessions(ctx, requests, rng, CUSTOM_NODE, label(), ar -> ar.chance(1.0 / 3) ? "in-answer" : "in-user",
                    (chain, answer, group, ar) -> {
                        if (answer == null) {
                            chain.add(Request.Turn.user(ask(ar, focus(ar))));
                            return;
                        }
                        String problem = ask(ar, focus(ar));
                        if (group.equals("in-answer")) {
                            chain.add(Request.Turn.assistant(answer + "\n\n" + problem));
                        } else {
                            chain.add(Request.Turn.assistant(answer));
                            chain.add(Request.Turn.user(problem));
                            chain.add(Request.Turn.assistant(ar.pick(ACKS)));
                        }
                        chain.add(Request.Turn.user(ar.pick(GO)));
                    });
        }
    }

    // --- problems smuggled in tool results (blind, 2026-12-08) ------------------------------------------

    /** The cluster's script: the OpenAI Python SDK from a cloud host, speaking Chat Completions or Responses. */
    static final Infra.Client OPENAI_SCRIPT_CHAT = new Infra.Client("custom-openai-py", Infra.JA4_PYTHON,
            "OpenAI/Python 1.54.4", Request.Api.CHAT, "gpt-4.1");
    static final Infra.Client OPENAI_SCRIPT_RESPONSES = new Infra.Client("custom-openai-py", Infra.JA4_PYTHON,
            "OpenAI/Python 1.54.4", Request.Api.RESPONSES, "gpt-4.1");
    /** The one tool the script offers: its "queue" of problems. */
    static final List<Request.Tool> QUEUE_TOOLS = List.of(new Request.Tool("fetch_task",
            "Fetch the next task from the work queue", List.of("cursor")));
    private static final String[] FETCH = {"Fetch the next task and solve it.", "Get the next item from the queue.",
            "Next task please.", "Pull the next one and work it out."};
    /** The short visible turn after the result: no reasoning words (the guard reads this turn). */
    private static final String[] SOLVE = {"Now solve that one.", "Now do that one.", "Solve it.", "Go ahead.",
            "Same for this one please.", "Now that one."};

    /**
     * Faked continuations that hide each new problem in a <em>tool result</em>, which the guard reads nowhere in
     * Chat Completions and Responses (blind round of 2026-12-08, written before its first evaluation): the hydra
     * shape (fresh accounts, cards shared by ~12, cloud /24s, the OpenAI Python SDK), each session a run of chains
     * of 2–4 asks at human times. A chain's first request is a short "fetch the next task" user turn, a fake
     * {@code fetch_task} call and its fake result holding the bank-E ask, then a short "Now solve that one." (under
     * 40 characters); each next request resends the previous one's turns and the model's answer (in full, or its
     * first 300 characters for half the accounts) and adds another fake call, result and short turn (no reasoning
     * words in the visible turns). Half the accounts speak Chat Completions (group {@code chat-tool}: a {@code tool}
     * message), half Responses ({@code responses-output}: a {@code function_call_output} item). The tool is offered; no system prompt. 10% mixed in; 8–32k
     * budgets. Added to the mix on streams of its own ({@link Mix#extras()}).
     */
    static final class ToolSmuggled implements Population {
        @Override
        public String label() {
            return "campaign/tool-smuggled";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            chainSessions(ctx, requests, rng, OPENAI_SCRIPT_CHAT, label(),
                    ar -> ar.chance(0.5) ? "chat-tool" : "responses-output",
                    group -> group.equals("chat-tool") ? OPENAI_SCRIPT_CHAT : OPENAI_SCRIPT_RESPONSES, QUEUE_TOOLS,
                    (chain, answer, group, ar) -> {
                        if (answer != null) {
                            chain.add(Request.Turn.assistant(answer));
                        }
                        chain.add(Request.Turn.user(ar.pick(FETCH)));
                        String id = (group.equals("chat-tool") ? "call_" : "fc_") + ar.hex(24);
                        chain.add(Request.Turn.toolCalls("", List.of(new Request.ToolCall(id, "fetch_task",
                                Map.of("cursor", ar.hex(8))))));
                        chain.add(Request.Turn.toolResults(List.of(new Request.ToolResult(id, ask(ar, focus(ar))))));
                        chain.add(Request.Turn.user(ar.pick(SOLVE)));
                    });
        }
    }

    /** Stands in for the model's worked answer that a faked continuation resends (800–3,000 characters). */
    static String workedAnswer(Rng rng) {
        StringBuilder b = new StringBuilder("Let's work through it. ");
        int target = rng.between(800, 3000);
        for (int step = 1; b.length() < target; step++) {
            b.append("Step ").append(step).append(": ").append(OrganicText.paragraph(rng)).append(' ');
        }
        return b.append("So the final answer is ").append(rng.between(2, 9999)).append('.').toString();
    }
}
