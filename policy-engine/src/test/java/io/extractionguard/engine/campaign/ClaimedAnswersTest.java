package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryHistoryLedger;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.AnswerDigest;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.support.MutableClock;

/**
 * Claimed-answer verification (issue 16, {@code history-stuffed} / {@code in-answer}): where the answers are seen
 * (the gateway's parser reads them), a follow-up's claimed assistant turns are the answers its account was sent;
 * a new problem appended to a resent answer is not, so it is read as the request's content. Bodies go through the
 * real parser; the answers are recorded as the gateway does, by {@link GuardEngine#answered}.
 */
class ClaimedAnswersTest {

    private static final RequestParser GATEWAY = new RequestParser().readingAnswers();
    private static final RequestParser REPLAY = new RequestParser();
    private static final String ANSWER = "Let's work through it.\n\nStep 1: sort the list.  Step 2: sweep once.\n"
            + "So the final answer is 42.";
    private static final String PROBLEM = "Next exercise. Prove that every tree with n nodes has n-1 edges. "
            + "Show your full reasoning, including every intermediate step, one step per line.";
    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private int item;

    private static InferenceRequest parse(RequestParser parser, ApiFormat format, String body) {
        ParseResult r = parser.parse(format, body.getBytes(StandardCharsets.UTF_8));
        return ((ParseResult.Parsed) r).request();
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** An Anthropic body whose turns alternate user / assistant, each a string (or a raw JSON value when it starts with '['). */
    private static String anthropic(String... turns) {
        StringBuilder b = new StringBuilder("{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[");
        for (int i = 0; i < turns.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":").append(turns[i].startsWith("[") ? turns[i] : quote(turns[i])).append('}');
        }
        return b.append("]}").toString();
    }

    private static InferenceRequest gateway(String... turns) {
        return parse(GATEWAY, ApiFormat.ANTHROPIC_MESSAGES, anthropic(turns));
    }

    @Test
    void theCanonicalFormIgnoresWhitespaceAndPartBoundariesButNothingElse() {
        long digest = AnswerDigest.of(ANSWER);
        assertThat(AnswerDigest.of("  " + ANSWER.replace("\n\n", "\n").replace("  ", " ") + "\n")).isEqualTo(digest);
        AnswerDigest streamed = new AnswerDigest();
        for (int i = 0; i < ANSWER.length(); i += 3) { // deltas cut anywhere, words too
            streamed.text(ANSWER.substring(i, Math.min(ANSWER.length(), i + 3)));
        }
        assertThat(streamed.digest()).isEqualTo(digest);
        assertThat(new AnswerDigest().text("Let's work").boundary().text("through it.").digest())
                .isEqualTo(AnswerDigest.of("Let's work through it."));
        assertThat(AnswerDigest.of(ANSWER.replace("42", "43"))).isNotEqualTo(digest);
        assertThat(AnswerDigest.of(ANSWER.replace("sort", "Sort"))).isNotEqualTo(digest);
        assertThat(AnswerDigest.of(ANSWER + "\n\n" + PROBLEM)).isNotEqualTo(digest);
    }

    /** A ledger in which account 7 was answered {@link #ANSWER} to a first request. */
    private InMemoryHistoryLedger answeredOnce() {
        InMemoryHistoryLedger ledger = new InMemoryHistoryLedger(clock);
        InferenceRequest first = gateway("Write a function that merges two sorted lists.");
        ledger.answered(7, first.claimed().conversation(), AnswerDigest.of(ANSWER), 0);
        return ledger;
    }

    @Test
    void aFollowUpResendingItsAnswerVerifiesAsStringOrBlocksWithThinkingAndToolUse() {
        InMemoryHistoryLedger ledger = answeredOnce();

        String blocks = "[{\"type\":\"thinking\",\"thinking\":\"hidden steps\",\"signature\":\"sig\"},"
                + "{\"type\":\"text\",\"text\":" + quote(ANSWER.substring(0, 23)) + "},"
                + "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"run\",\"input\":{\"code\":\"x\"}},"
                + "{\"type\":\"text\",\"text\":" + quote(ANSWER.substring(23)) + "}]";
        for (String resent : List.of(ANSWER, ANSWER.strip() + "\n", blocks)) {
            ClaimedHistory c = gateway("Write a function that merges two sorted lists.", resent, "why is that linear?")
                    .claimed();
            assertThat(c.answersRead()).isTrue();
            assertThat(ledger.verifiedAnswers(7, c, 0)).as(resent).isEqualTo(c.answerChars()).isPositive();
            assertThat(ledger.verifiedAnswers(8, c, 0)).as("another account was not sent it").isZero();
        }
    }

    @Test
    void aProblemAppendedToTheResentAnswerIsUnverifiedAndReadAsContent() {
        InMemoryHistoryLedger ledger = answeredOnce();

        ClaimedHistory edited = gateway("Write a function that merges two sorted lists.", ANSWER.replace("42", "41"),
                "thanks").claimed();
        assertThat(ledger.verifiedAnswers(7, edited, 0)).as("an edited answer is not the one sent").isZero();

        ClaimedHistory stuffed = gateway("Write a function that merges two sorted lists.", ANSWER + "\n\n" + PROBLEM,
                "Now solve that one.").claimed();
        long verifiedAnswers = ledger.verifiedAnswers(7, stuffed, 0);
        assertThat(verifiedAnswers).isZero();
        // its user turns are the account's own (ClaimedHistoryTest): all of its unverified text is the resent answer
        assertThat(stuffed.unverifiedText(stuffed.chars(), verifiedAnswers)).endsWith(PROBLEM);

        // its own follow-up (after the model answered it) verifies: the stuffed turn was read when it was sent
        ledger.answered(7, stuffed.conversation(), AnswerDigest.of("Proof: induction."), 0);
        ClaimedHistory next = gateway("Write a function that merges two sorted lists.", ANSWER + "\n\n" + PROBLEM,
                "Now solve that one.", "Proof: induction.", "and for forests?").claimed();
        assertThat(ledger.verifiedAnswers(7, next, 0)).isEqualTo(next.answerChars());
    }

    @Test
    void theReplayParserReadsNoAnswersSoAssistantTurnsStayUnchecked() {
        InferenceRequest replayed = parse(REPLAY, ApiFormat.ANTHROPIC_MESSAGES,
                anthropic("Write a function.", ANSWER + "\n\n" + PROBLEM, "Now solve that one."));
        assertThat(replayed.claimed().answersRead()).isFalse();
        assertThat(replayed.claimed().conversation()).isZero();
        InferenceRequest gateway = gateway("Write a function.", ANSWER + "\n\n" + PROBLEM, "Now solve that one.");
        assertThat(gateway.claimed().state()).as("the user chain is the same").isEqualTo(replayed.claimed().state());
        assertThat(gateway.historyChars()).isEqualTo(replayed.historyChars());
    }

    @Test
    void chatAndResponsesResendsDigestLikeTheAnthropicOne() {
        String chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":\"Write a function.\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":" + quote(ANSWER) + "}]},"
                + "{\"role\":\"user\",\"content\":\"why?\"}]}";
        String responses = "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"Write a function.\"},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
                + quote(ANSWER) + "}]},{\"role\":\"user\",\"content\":\"why?\"}]}";
        InferenceRequest first = gateway("Write a function.");
        long expected = ClaimedHistory.answered(first.claimed().conversation(), AnswerDigest.of(ANSWER));
        assertThat(parse(GATEWAY, ApiFormat.OPENAI_CHAT_COMPLETIONS, chat).claimed().answerState(0)).isEqualTo(expected);
        assertThat(parse(GATEWAY, ApiFormat.OPENAI_RESPONSES, responses).claimed().answerState(0)).isEqualTo(expected);
    }

    // --- through the engine, on the shipped default policy ------------------------------------------------

    private GuardEngine engine() {
        try {
            Policy policy = new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml"));
            return GuardEngine.builder(() -> policy, clock).store(new InMemoryStateStore(clock))
                    .limiter(new LocalRateLimiter(clock)).campaigns(new InMemoryCampaignStore(clock)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ClientIdentity member(String id) {
        return HistoryFarm.member(id, clock.instant());
    }

    private String problem() {
        return HistoryFarm.problem(item++);
    }

    /** Sends a request and, when it is forwarded, records the model's answer as the gateway would. */
    private Decision send(GuardEngine engine, RequestParser parser, String account, List<String> turns, String answer) {
        clock.advance(Duration.ofSeconds(9));
        engine.correlateIfDue();
        InferenceRequest request = parse(parser, ApiFormat.ANTHROPIC_MESSAGES, anthropic(turns.toArray(String[]::new)));
        Decision d = engine.evaluate(new GuardRequest(member(account), request));
        if (d.action().forwards()) {
            engine.answered(account, request, AnswerDigest.of(answer));
        }
        return d;
    }

    /** Twenty young accounts on one card, /24 and client: chains that resend the real answer, then a new turn. */
    private List<Decision> cluster(boolean stuffed, RequestParser parser) {
        GuardEngine engine = engine();
        List<Decision> late = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            for (int a = 0; a < 20; a++) {
                List<String> chain = new ArrayList<>(List.of(problem()));
                for (int k = 0; k < 3; k++) {
                    String answer = "Step 1: sort. Step 2: sweep. So the final answer is " + (round * 100 + a * 3 + k) + ".";
                    Decision d = send(engine, parser, "acct-" + a, chain, answer);
                    if (round >= 4) {
                        late.add(d);
                    }
                    if (stuffed) {
                        chain.add(answer + "\n\n" + problem());
                        chain.add("Now solve that one.");
                    } else {
                        chain.add(answer);
                        chain.add(k == 0 ? "why does the sweep work?" : "what about an empty list?");
                    }
                }
            }
        }
        return late;
    }

    @Test
    void aClusterAppendingItsProblemsToTheResentAnswersGetsNoConversingDiscount() {
        List<Decision> stuffed = cluster(true, GATEWAY);
        List<Decision> unchecked = cluster(true, REPLAY);
        assertThat(stuffed).filteredOn(d -> !d.action().forwards()).as("rejected once answers are verified")
                .hasSizeGreaterThanOrEqualTo(stuffed.size() * 95 / 100);
        assertThat(unchecked).filteredOn(d -> d.action().forwards()).as("forwarded when assistant turns are unchecked")
                .hasSizeGreaterThan(unchecked.size() / 5);
    }

    @Test
    void accountsThatResendTheirRealAnswersKeepTheirDiscount() {
        List<Decision> genuine = cluster(false, GATEWAY);
        assertThat(genuine).as("the same farm shape, genuinely conversing")
                .noneMatch(d -> d.action() == io.extractionguard.engine.action.Action.CHALLENGE
                        || d.action() == io.extractionguard.engine.action.Action.BLOCK);
    }
}
