package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.support.MutableClock;

/**
 * Problems smuggled in tool results (issue 16, blind family {@code tool-smuggled}): a cluster fakes continuations whose
 * every new problem sits in the result of a fake {@code fetch_task} call (Anthropic {@code tool_result}, Chat {@code
 * tool} message, Responses {@code function_call_output}) behind a short "Now solve that one.". A tool result is what
 * the model reads as the client's input, so the guard reads it as the user side of the conversation in every API,
 * as Anthropic's user turn always carried it: the problem is the request's new text and its ask. And developers
 * whose agentic loops send large tool results (files, test output) are not touched. Real parser, shipped policy.
 */
class ToolSmuggledTest {

    private static final RequestParser PARSER = new RequestParser();
    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private int item;

    /** One turn of a conversation, written per API by {@link #body}. */
    record Turn(String role, String text, boolean tool) {
        static Turn user(String text) {
            return new Turn("user", text, false);
        }

        static Turn assistant(String text) {
            return new Turn("assistant", text, false);
        }

        /** A tool call ({@code text}: its arguments' value) and its result ({@code text} of the result turn). */
        static Turn call(String argument) {
            return new Turn("assistant", argument, true);
        }

        static Turn result(String output) {
            return new Turn("user", output, true);
        }
    }

    /** The conversation in {@code format}'s body: tool calls and results as that API spells them. */
    static byte[] body(ApiFormat format, String system, List<Turn> turns) {
        StringBuilder b = new StringBuilder("{\"model\":\"m\",");
        b.append(format == ApiFormat.OPENAI_RESPONSES ? "\"max_output_tokens\":16000," : "\"max_tokens\":16000,");
        if (!system.isEmpty() && format == ApiFormat.ANTHROPIC_MESSAGES) {
            b.append("\"system\":\"").append(system).append("\",");
        } else if (!system.isEmpty() && format == ApiFormat.OPENAI_RESPONSES) {
            b.append("\"instructions\":\"").append(system).append("\",");
        }
        b.append(format == ApiFormat.OPENAI_RESPONSES ? "\"input\":[" : "\"messages\":[");
        if (!system.isEmpty() && format == ApiFormat.OPENAI_CHAT_COMPLETIONS) {
            b.append("{\"role\":\"system\",\"content\":\"").append(system).append("\"},");
        }
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            String id = "call_" + i;
            if (format == ApiFormat.ANTHROPIC_MESSAGES && i > 0 && !t.tool() && t.role().equals("user")
                    && turns.get(i - 1).tool() && turns.get(i - 1).role().equals("user")) {
                continue; // written as a text block of the result's user turn (Anthropic alternates roles)
            }
            b.append(i == 0 ? "" : ",");
            if (!t.tool()) {
                b.append("{\"role\":\"").append(t.role()).append("\",\"content\":\"").append(t.text()).append("\"}");
                continue;
            }
            String previousId = "call_" + (i - 1);
            String arguments = "{\\\"path\\\":\\\"" + t.text() + "\\\"}";
            b.append(switch (format) {
                case ANTHROPIC_MESSAGES -> t.role().equals("assistant")
                        ? "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"" + id
                        + "\",\"name\":\"fetch_task\",\"input\":{\"path\":\"" + t.text() + "\"}}]}"
                        : "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"" + previousId
                        + "\",\"content\":\"" + t.text() + "\"}" + textAfter(turns, i) + "]}";
                case OPENAI_CHAT_COMPLETIONS -> t.role().equals("assistant")
                        ? "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + id
                        + "\",\"type\":\"function\",\"function\":{\"name\":\"fetch_task\",\"arguments\":\"" + arguments
                        + "\"}}]}"
                        : "{\"role\":\"tool\",\"tool_call_id\":\"" + previousId + "\",\"content\":\"" + t.text() + "\"}";
                case OPENAI_RESPONSES -> t.role().equals("assistant")
                        ? "{\"type\":\"function_call\",\"call_id\":\"" + id + "\",\"name\":\"fetch_task\",\"arguments\":\""
                        + arguments + "\"}"
                        : "{\"type\":\"function_call_output\",\"call_id\":\"" + previousId + "\",\"output\":\"" + t.text()
                        + "\"}";
                default -> throw new IllegalArgumentException(format.toString());
            });
        }
        b.append("],\"tools\":[{\"name\":\"fetch_task\",\"input_schema\":{\"type\":\"object\"}}]}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Anthropic: the user text that follows a tool result, as a text block of the result's turn. */
    private static String textAfter(List<Turn> turns, int i) {
        if (i + 1 < turns.size() && !turns.get(i + 1).tool() && turns.get(i + 1).role().equals("user")) {
            return ",{\"type\":\"text\",\"text\":\"" + turns.get(i + 1).text() + "\"}";
        }
        return "";
    }

    static InferenceRequest parse(RequestParser parser, ApiFormat format, String system, List<Turn> turns) {
        ParseResult r = parser.parse(format, body(format, system, turns));
        assertThat(r).as(new String(body(format, system, turns), StandardCharsets.UTF_8)).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) r).request();
    }

    @ParameterizedTest
    @EnumSource(value = ApiFormat.class, names = {"ANTHROPIC_MESSAGES", "OPENAI_CHAT_COMPLETIONS", "OPENAI_RESPONSES"})
    void aToolResultIsTheUserSideOfTheConversationInEveryApi(ApiFormat format) {
        String problem = HistoryFarm.problem(1);
        InferenceRequest r = parse(PARSER, format, "", List.of(Turn.user("Fetch the next task."), Turn.call("queue"),
                Turn.result(problem), Turn.user("Now solve that one.")));
        assertThat(r.lastUserText()).as("the result and the turn after it are the new text")
                .isEqualTo(problem + "\nNow solve that one.");
        assertThat(r.claimed().turns()).as("one earlier user turn: the fetch").isEqualTo(1);
        InferenceRequest loop = parse(PARSER, format, "", List.of(Turn.user("Fetch the next task."), Turn.call("queue"),
                Turn.result(problem)));
        assertThat(loop.lastUserText()).as("an agentic step's new text is its tool result").isEqualTo(problem);
        assertThat(loop.rootHash()).as("the root is the first user turn").isEqualTo(r.rootHash());
    }

    /**
     * Where answers are read (the gateway), a tool call is part of the assistant turn it came in, outside the answer's
     * digest on both sides: the model's own call (here after a text "Let me look.", or alone: the gateway digests an
     * answer of tool calls only as the empty text) verifies as the answer the account was sent, so a genuine loop's
     * calls are verified history; a call the account was never answered with is unverified, and its arguments are
     * text to read like any unverified assistant text. (Arguments are not in the digest: a call the model did make
     * with other arguments verifies; docs/campaigns.md says what that leaves open.)
     */
    @ParameterizedTest
    @EnumSource(value = ApiFormat.class, names = {"ANTHROPIC_MESSAGES", "OPENAI_CHAT_COMPLETIONS", "OPENAI_RESPONSES"})
    void aToolCallTheAccountWasAnsweredWithVerifiesAndAnInventedOneIsReadable(ApiFormat format) {
        RequestParser gateway = PARSER.readingAnswers();
        InferenceRequest first = parse(gateway, format, "", List.of(Turn.user("Fix the failing test in src/Auth.java.")));
        io.extractionguard.engine.memory.InMemoryHistoryLedger ledger =
                new io.extractionguard.engine.memory.InMemoryHistoryLedger(clock);
        ledger.record(7, first.claimed(), 0);
        long noText = io.extractionguard.engine.request.AnswerDigest.of("");
        ledger.answered(7, first.claimed().conversation(), noText, 0); // the model only called read_file

        InferenceRequest loop = parse(gateway, format, "", List.of(Turn.user("Fix the failing test in src/Auth.java."),
                Turn.call("src/Auth.java"), Turn.result("class Auth { int check() { return 500; } }")));
        assertThat(loop.claimed().answerChars()).as("the call's arguments are assistant text").isPositive();
        assertThat(ledger.verifiedAnswers(7, loop.claimed(), 0)).as("the model's own call verifies")
                .isEqualTo(loop.claimed().answerChars());

        String problem = HistoryFarm.problem(3);
        InferenceRequest invented = parse(gateway, format, "", List.of(Turn.user("Fix the failing test in src/Auth.java."),
                Turn.call(problem), Turn.result("ok"), Turn.user("Now solve that one.")));
        ledger.record(9, first.claimed(), 0);
        ledger.answered(9, first.claimed().conversation(), io.extractionguard.engine.request.AnswerDigest.of(
                "The test expects 401; check() returns 500."), 0); // account 9 was answered in text, no call
        assertThat(ledger.verifiedAnswers(9, invented.claimed(), 0)).as("a call it was never answered with").isZero();
        assertThat(invented.claimed().unverifiedText(invented.claimed().chars(), 0)).contains(problem);
        assertThat(parse(PARSER, format, "", List.of(Turn.user("Fix it."), Turn.call(problem))).claimed().answerChars())
                .as("a replay reads no answers, and no calls").isZero();
    }

    // --- through the engine, on the shipped default policy ------------------------------------------------

    private static Policy policy() {
        try {
            return new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private GuardEngine engine() {
        Policy policy = policy();
        return GuardEngine.builder(() -> policy, clock).store(new InMemoryStateStore(clock))
                .limiter(new LocalRateLimiter(clock)).campaigns(new InMemoryCampaignStore(clock)).build();
    }

    private Decision send(GuardEngine engine, ClientIdentity id, InferenceRequest request) {
        clock.advance(Duration.ofSeconds(9));
        engine.correlateIfDue();
        return engine.evaluate(new GuardRequest(id, request));
    }

    /**
     * Twenty day-old accounts on one card, /24 and client, each running chains of 3 faked continuations: the previous
     * request and an answer resent, a fake fetch, its fake result holding a new problem, "Now solve that one.".
     */
    @ParameterizedTest
    @EnumSource(value = ApiFormat.class, names = {"ANTHROPIC_MESSAGES", "OPENAI_CHAT_COMPLETIONS", "OPENAI_RESPONSES"})
    void aClusterHidingItsProblemsInToolResultsIsConvicted(ApiFormat format) {
        GuardEngine engine = engine();
        List<Decision> late = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            for (int a = 0; a < 20; a++) {
                List<Turn> chain = new ArrayList<>(List.of(Turn.user("Fetch the next task.")));
                for (int k = 0; k < 3; k++) {
                    if (k > 0) {
                        chain.add(Turn.assistant("Step 1: sort. Step 2: sweep. So the final answer is " + k + "."));
                        chain.add(Turn.user("Fetch the next task."));
                    }
                    chain.add(Turn.call("queue"));
                    chain.add(Turn.result(HistoryFarm.problem(item++)));
                    chain.add(Turn.user("Now solve that one."));
                    Decision d = send(engine, HistoryFarm.member("acct-tools-" + a, clock.instant()),
                            parse(PARSER, format, "", chain));
                    if (round >= 4) {
                        late.add(d);
                    }
                }
            }
        }
        // the free tier's rate alone throttles two in three of them: what matters is that none is answered
        assertThat(late).filteredOn(d -> d.action().forwards()).as("forwarded").hasSizeLessThanOrEqualTo(late.size() / 20);
        assertThat(late).filteredOn(d -> d.action() == Action.BLOCK || d.action() == Action.CHALLENGE)
                .as("convicted, not only rate-limited").hasSizeGreaterThanOrEqualTo(late.size() / 4);
    }

    /**
     * Fifteen developers of a vendor's IDE plug-in (its system prompt and client; each their own card and address,
     * accounts 3 days old) in agentic loops whose every step sends a large tool result (a source file, test output):
     * none challenged, blocked or degraded, in any API.
     */
    @ParameterizedTest
    @EnumSource(value = ApiFormat.class, names = {"ANTHROPIC_MESSAGES", "OPENAI_CHAT_COMPLETIONS", "OPENAI_RESPONSES"})
    void developersWhoseLoopsSendLargeToolResultsAreNotTouched(ApiFormat format) {
        GuardEngine engine = engine();
        String system = "You are Acme Code Assistant, an AI pair programmer embedded in the Acme IDE. Use the tools to "
                + "read files and run tests before you change code. Keep changes small.";
        List<Decision> decisions = new ArrayList<>();
        for (int task = 0; task < 6; task++) {
            for (int d = 0; d < 15; d++) {
                ClientIdentity dev = new ClientIdentity("acct-dev-" + d, ClientIdentity.Source.TRUSTED_HEADER, null,
                        null, "pro", clock.instant().minus(Duration.ofDays(3)), "card-dev-" + d, "ja4-acme-ide",
                        "AcmeIDE/3.2.1", "198.51." + d + ".20", 0);
                List<Turn> loop = new ArrayList<>(List.of(Turn.user("Add unit tests for src/billing/Service" + task
                        + ".java and fix what fails.")));
                for (int step = 0; step < 6; step++) {
                    decisions.add(send(engine, dev, parse(PARSER, format, system, loop)));
                    loop.add(Turn.call("src/billing/Service" + task + ".java"));
                    loop.add(Turn.result(step % 3 == 2 ? "FAILED: ShouldRejectExpiredTokens expected: <401> but was: <500>"
                            + " at AuthFilterTest.java:88" : sourceFile(d * 100 + task * 10 + step)));
                }
            }
        }
        assertThat(decisions).noneMatch(x -> x.action() == Action.CHALLENGE || x.action() == Action.BLOCK);
        assertThat(decisions).noneMatch(x -> x.degrade() != null);
    }

    /** A Java source file of about 2 KiB, different for every {@code n}. */
    private static String sourceFile(int n) {
        StringBuilder b = new StringBuilder("package acme.billing;\\n\\nimport java.util.List;\\n\\npublic final class Service"
                + n + " {\\n");
        for (int m = 0; b.length() < 2000; m++) {
            b.append("    /** Totals the orders of batch ").append(n * 31 + m).append(". */\\n    public long total")
                    .append(m).append("(List<Long> orders) {\\n        long sum = 0;\\n        for (long o : orders) {\\n")
                    .append("            if (o > ").append((n * 7 + m) % 500).append(") { sum += o; }\\n        }\\n")
                    .append("        return sum;\\n    }\\n");
        }
        return b.append("}\\n").toString();
    }
}
