package io.extractionguard.loadtest.traffic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Legitimate traffic that shares tells with campaigns: it must never be challenged or blocked.
 */
final class HardCases {

    private HardCases() {
    }

    // --- an enterprise IDE integration -------------------------------------------------------------

    static final String IDE_SYSTEM;

    static {
        StringBuilder b = new StringBuilder("You are Acme Code Assistant, an AI pair programmer embedded in the Acme IDE. "
                + "You help professional software engineers at Acme Corp with their day-to-day work in large, long-lived "
                + "repositories.\n\n");
        String[] sections = {
            "## Working with the repository\nYou can read files, search the code base, list directories, run the test suite, "
                    + "run shell commands in a sandbox and apply patches. Prefer reading the relevant files before proposing a "
                    + "change. Never invent file paths or APIs: search first. Keep changes minimal and focused on the request.",
            "## Code style\nFollow the conventions of the file you are editing: indentation, naming, import order and "
                    + "comment style. Java code follows the Acme Java guide: four-space indentation, no wildcard imports, "
                    + "final fields where possible, records for value types. TypeScript code uses strict mode and named exports. "
                    + "Python code is formatted with black and typed with mypy in strict mode.",
            "## Tests\nWhen you change behaviour, add or update tests next to the existing ones. Run the narrowest test "
                    + "target that covers the change before reporting success. If tests fail for reasons unrelated to your "
                    + "change, say so and do not attempt to fix them unless asked.",
            "## Safety\nNever print secrets, tokens or credentials, even if they appear in files. Do not run commands that "
                    + "delete data, push to remote branches, or change infrastructure. Ask before touching generated files, "
                    + "lock files or database migrations.",
            "## Communication\nBe concise. When you finish, summarise what you changed in a few bullet points and list the "
                    + "files touched. If the request is ambiguous, ask one clarifying question instead of guessing. Quote "
                    + "code with the file path and line numbers so the IDE can link to it.",
            "## Performance and reliability\nPrefer standard library solutions over new dependencies. Watch for N+1 queries, "
                    + "unbounded collections, missing timeouts and blocking calls on request threads. Point these out when you "
                    + "see them, even outside the immediate change, but do not fix them unasked.",
            "## Tool use\nCall one tool at a time and wait for its result. Read at most five files before proposing a plan. "
                    + "When a command fails, read its output carefully before retrying. Do not retry the same failing "
                    + "command more than twice."};
        for (int round = 0; round < 2; round++) {
            for (String s : sections) {
                b.append(s).append("\n\n");
            }
        }
        IDE_SYSTEM = b.toString();
    }

    static final List<Request.Tool> IDE_TOOLS = List.of(
            new Request.Tool("read_file", "Read a file of the workspace", List.of("path")),
            new Request.Tool("search_code", "Full-text search over the workspace", List.of("query")),
            new Request.Tool("list_directory", "List a directory", List.of("path")),
            new Request.Tool("run_tests", "Run a test target", List.of("target")),
            new Request.Tool("run_command", "Run a shell command in the sandbox", List.of("command")),
            new Request.Tool("apply_patch", "Apply a unified diff to the workspace", List.of("patch")),
            new Request.Tool("open_url", "Fetch an internal documentation page", List.of("url")),
            new Request.Tool("get_diagnostics", "Compiler and linter diagnostics for a file", List.of("path")));
    private static final String[] IDE_ASKS = {"Refactor {fn} in {path} to remove the duplicated validation.",
            "Add unit tests for {path}.", "Why is {test} failing on my branch?", "Rename {fn} to something clearer across the module.",
            "Implement a function that {spec} in {path}.", "Can you make {fn} in {path} async?",
            "Fix the linter warnings in {path}.", "Explain how {fn} is used in this module.",
            "The build fails with a compile error in {path}, can you fix it?", "Add logging around the retries in {path}."};
    private static final String[] IDE_TEST_OUTPUT = {"BUILD SUCCESSFUL in 14s\n47 tests completed, 0 failed",
            "FAILED: ShouldRejectExpiredTokens\nexpected: <401> but was: <500>\n\tat AuthFilterTest.java:88",
            "1 failing\n  OrderService > totals > applies discounts\n  AssertionError: expected 90 to equal 81",
            "ok  \tacme/billing\t0.412s\nok  \tacme/billing/ledger\t1.207s"};

    /** Developers of one company using an IDE assistant: long fixed system prompt, tools, agentic loops, all day. */
    static final class Ide implements Population {
        @Override
        public String label() {
            return "hard/ide";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            String org = ctx.orgId();
            String payment = ctx.paymentFingerprint();
            String nat = Infra.cloudPrefix(rng);
            Infra.Client ide = new Infra.Client("acme-ide", Infra.JA4_JAVA, "AcmeIDE/3.2.1 anthropic-java/1.2.0",
                    Request.Api.ANTHROPIC, "claude-sonnet-4-5");
            double days = ctx.duration() / (double) TraceContext.DAY;
            int devs = Math.max(5, (int) Math.round(requests / (150 * days)));
            int[] volume = Sessions.volumes(rng, devs, requests, 0.5);
            int tz = rng.chance(0.5) ? 1 : -5;
            for (int d = 0; d < devs; d++) {
                Rng a = rng.split();
                Account dev = ctx.account("enterprise", org, ctx.start - (long) a.uniform(30, 700) * TraceContext.DAY,
                        payment, ide);
                String ip = nat + a.between(10, 11);
                int remaining = volume[d];
                while (remaining > 0) {
                    long t = ctx.humanTime(a, ctx.start, ctx.end, tz, true);
                    int steps = Math.min(remaining, a.between(2, 12));
                    remaining -= steps;
                    task(ctx, a, dev, ip, t, steps);
                }
            }
        }

        private void task(TraceContext ctx, Rng a, Account dev, String ip, long t, int steps) {
            CodeText.Lang lang = CodeText.lang(a);
            String path = "src/" + a.pick(new String[]{"billing", "auth", "orders", "search", "ledger", "api"}) + "/"
                    + CodeText.cap(a.pick(new String[]{"service", "handler", "repository", "client", "mapper"})) + "."
                    + lang.fence();
            String ask = a.pick(IDE_ASKS).replace("{fn}", "process" + CodeText.cap(a.pick(new String[]{"order", "refund", "token", "event"})))
                    .replace("{path}", path).replace("{test}", "test_" + a.hex(4)).replace("{spec}", CodeText.spec(a));
            List<Request.Turn> turns = new ArrayList<>();
            turns.add(Request.Turn.user(ask));
            for (int s = 0; s < steps; s++) {
                ctx.add(t, label(), "ide", dev, ip, dev.client(), new Request(Request.Api.ANTHROPIC, "claude-sonnet-4-5",
                        IDE_SYSTEM, List.copyOf(turns), IDE_TOOLS, 8192, true, Double.NaN));
                String id = "toolu_" + a.hex(20);
                Request.Tool tool = IDE_TOOLS.get(a.nextInt(4));
                String param = tool.params().get(0);
                turns.add(Request.Turn.toolCalls(a.chance(0.5) ? "Let me look at the code first." : "",
                        List.of(new Request.ToolCall(id, tool.name(), Map.of(param, path)))));
                String output = switch (tool.name()) {
                    case "read_file" -> CodeText.file(a, lang, a.between(1, 4));
                    case "run_tests" -> a.pick(IDE_TEST_OUTPUT);
                    case "search_code" -> path + ":" + a.between(10, 400) + ": " + CodeText.snippet(a, lang).lines().findFirst().orElse("");
                    default -> "README.md\nbuild.gradle\nsrc/\ntest/\n" + path;
                };
                turns.add(Request.Turn.toolResults(List.of(new Request.ToolResult(id, output))));
                t += a.between(3_000, 25_000);
            }
        }
    }

    // --- an evaluation harness -------------------------------------------------------------------

    /** A lab's benchmark runs: templated questions in bursts at a fixed concurrency, short answers, temperature 0. */
    static final class EvalHarness implements Population {
        @Override
        public String label() {
            return "hard/eval-harness";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            String org = ctx.orgId();
            String payment = ctx.paymentFingerprint();
            String vm = Infra.cloudPrefix(rng);
            Infra.Client client = Infra.ORGANIC_CLIENTS.get(3); // openai-python
            List<Account> keys = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                keys.add(ctx.account("enterprise", org, ctx.start - (long) rng.uniform(60, 500) * TraceContext.DAY,
                        payment, client));
            }
            int remaining = requests;
            while (remaining > 0) {
                Account key = rng.pick(keys);
                Benchmarks.Suite suite = Benchmarks.Suite.values()[rng.nextInt(3)];
                int run = Math.min(remaining, rng.between(150, 900));
                remaining -= run;
                long t = ctx.start + (long) (rng.uniform() * (ctx.duration() - TraceContext.HOUR));
                String ip = vm + rng.between(20, 23);
                long gap = rng.between(120, 400);
                for (int k = 0; k < run; k++) {
                    ctx.add(t, label(), "harness", key, ip, client, new Request(client.api(), client.model(), "",
                            List.of(Request.Turn.user(Benchmarks.prompt(rng, suite))), List.of(),
                            Benchmarks.maxTokens(suite), false, 0.0));
                    t += (long) (gap * rng.uniform(0.7, 1.3));
                }
            }
        }
    }

    // --- a company sharing one org, card and office NAT --------------------------------------------

    static final class Company implements Population {
        @Override
        public String label() {
            return "hard/company";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            String org = ctx.orgId();
            String payment = ctx.paymentFingerprint();
            String office = Infra.homeAddress(rng);
            int tz = TraceContext.utcOffset(rng);
            long signup = ctx.start - (long) rng.uniform(30, 400) * TraceContext.DAY;
            Infra.Client internal = new Infra.Client("internal-bot", Infra.JA4_PYTHON, "acme-slackbot/2.3 python-httpx/0.27.2",
                    Request.Api.ANTHROPIC, "claude-sonnet-4-5");
            int employees = 30;
            int[] volume = Sessions.volumes(rng, employees, requests, 0.8);
            for (int e = 0; e < employees; e++) {
                Rng a = rng.split();
                long created = e < 15 ? signup + a.between(0, 3_600_000) : signup + (long) a.uniform(1, 300) * TraceContext.DAY;
                Account acct = ctx.account("pro", org, Math.min(created, ctx.start - TraceContext.DAY), payment,
                        a.chance(0.6) ? internal : Infra.organicClient(a));
                boolean coder = a.chance(0.3);
                Sessions.human(ctx, a, label(), "company", acct, volume[e], tz, true,
                        coder ? Sessions.CODER : Sessions.GENERAL, Sessions.Shape.typical(a), 0.5, 3, r -> office);
            }
        }
    }

    // --- students behind one campus NAT --------------------------------------------------------------

    static final class Campus implements Population {
        private static final String[] INTROS = {"", "hi, can you help me with this? ", "I'm stuck on this homework problem: ",
                "Can you explain how to approach this? ", "what does this question mean?? ", "Help me understand: ",
                "My professor gave us this and I have no idea: ", "hey! ", "I tried this for an hour: "};
        private static final String[] OUTROS = {"", "", " I don't want the full answer, just a hint.", " thanks",
                " Can you explain it step by step?", " please show your full reasoning so I can learn it",
                " My code so far is below.\n", " Is recursion the right idea here?", " due tonight :("};

        @Override
        public String label() {
            return "hard/campus";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            String nat = Infra.homeAddress(rng);
            String natPrefix = nat.contains(":") ? nat : nat.substring(0, nat.lastIndexOf('.') + 1);
            List<String> assignment = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                assignment.add("Problem " + (i + 1) + ". Write a Python function that " + CodeText.spec(rng)
                        + ". Then analyse its running time and explain why it is correct.");
            }
            int students = Math.max(10, requests / 15);
            int[] volume = Sessions.volumes(rng, students, requests, 0.7);
            long[] labs = {ctx.start - rng.between(1, 4) * TraceContext.DAY, ctx.start - TraceContext.DAY / 2,
                    ctx.start + ctx.duration() / 5};
            Infra.Client starterKit = Infra.ORGANIC_CLIENTS.get(3);
            for (int s = 0; s < students; s++) {
                Rng a = rng.split();
                long created = labs[a.nextInt(labs.length)] + a.between(0, 3_000_000);
                Account acct = ctx.account("free", null, created, null, a.chance(0.8) ? starterKit : Infra.organicClient(a));
                String ip = nat.contains(":") ? nat : natPrefix + a.between(2, 3);
                Sessions.Prompter prompter = new Sessions.Prompter() {
                    @Override
                    public String first(Rng r) {
                        if (r.chance(0.55)) {
                            String text = r.pick(INTROS) + r.pick(assignment) + r.pick(OUTROS);
                            return text.endsWith("\n") ? text + CodeText.snippet(r, CodeText.LANGS[0]) : text;
                        }
                        return r.chance(0.5) ? CodeText.question(r) : OrganicText.question(r);
                    }

                    @Override
                    public String followUp(Rng r) {
                        return r.chance(0.5) ? OrganicText.followUp(r) : "ok but why is it " + r.pick(new String[]{"O(n log n)",
                                "O(n)", "correct for empty input", "not working for negative numbers"}) + "?";
                    }
                };
                long from = Math.max(ctx.start, created);
                Sessions.human(ctx, a, label(), "campus", acct, volume[s], from, -5, false, prompter,
                        new Sessions.Shape("", List.of(), 1024, false, Double.NaN), 0.6, 4, r -> ip);
            }
        }
    }

    // --- brand-new accounts --------------------------------------------------------------------------

    static final class NewAccounts implements Population {
        @Override
        public String label() {
            return "hard/new-accounts";
        }

        @Override
        public void generate(TraceContext ctx, int requests, Rng rng) {
            int accounts = Math.max(5, requests / 6);
            int[] volume = Sessions.volumes(rng, accounts, requests, 0.7);
            for (int i = 0; i < accounts; i++) {
                Rng a = rng.split();
                long created = ctx.start + (long) (a.uniform() * ctx.duration() * 0.9);
                Account acct = ctx.account(a.chance(0.85) ? "free" : "pro", null, created,
                        a.chance(0.3) ? ctx.paymentFingerprint() : null, Infra.organicClient(a));
                boolean coder = a.chance(0.35);
                Sessions.human(ctx, a, label(), "new", acct, volume[i], created + a.between(60_000, 3_600_000),
                        TraceContext.utcOffset(a), false, coder ? Sessions.CODER : Sessions.GENERAL,
                        Sessions.Shape.typical(a), 0.55, 3, Organic.homeOrMobile(ctx, a));
            }
        }
    }
}
