package io.extractionguard.engine.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.spi.ChallengeGate;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.support.Fixtures;
import io.extractionguard.engine.support.MutableClock;

/**
 * {@link GuardEngine#admit}: what arrived in, one sealed {@link Outcome} out; and
 * {@link GuardEngine#explain(Arrival)} judging by the same precedence ({@code policies/engine-test.yaml}:
 * free tier 6 requests a minute).
 */
class FrontDoorTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final GuardEngine engine = GuardEngine.builder(() -> Fixtures.policy("/policies/engine-test.yaml"), clock)
            .store(store)
            .intake(new Intake(new RequestParser(), IdentityResolver.trustingEveryone(
                    "front-door-test-key".getBytes(StandardCharsets.UTF_8))))
            .build();

    private static Arrival arrival(String account, String body, Map<String, String> extraHeaders, int maxBytes,
                                   byte[] bytes) {
        Map<String, String> headers = new java.util.HashMap<>(extraHeaders);
        headers.put("x-account-id", account);
        return new Arrival(ApiFormat.ANTHROPIC_MESSAGES, headers::get, "10.0.0.1",
                bytes != null ? bytes : body.getBytes(StandardCharsets.UTF_8), maxBytes);
    }

    private static Arrival message(String account, String text) {
        return arrival(account, "{\"model\":\"m\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\""
                + text + "\"}]}", Map.of(), 1 << 20, null);
    }

    @Test
    void aValidRequestIsForwardedWithItsDecisionForTheAccountItsHeadersName() {
        Outcome outcome = engine.admit(message("acct-door", "what is a good name for a cat"), ChallengeGate.NONE);

        assertThat(outcome).isInstanceOf(Outcome.Forward.class);
        Outcome.Forward forward = (Outcome.Forward) outcome;
        assertThat(forward.decision().action()).isEqualTo(Action.ALLOW);
        assertThat(forward.decision().accountId()).isEqualTo("acct-door");
        assertThat(forward.request().identity().accountId()).isEqualTo("acct-door");
        assertThat(forward.request().request().lastUserText()).isEqualTo("what is a good name for a cat");
    }

    @Test
    void aBodyThatIsNotJsonIsRejectedAsInvalidBeforeAnythingIsDecided() {
        Outcome outcome = engine.admit(arrival("acct-door", "{\"model\":", Map.of(), 1 << 20, null), ChallengeGate.NONE);

        Outcome.Reject reject = (Outcome.Reject) outcome;
        assertThat(reject.cause()).isEqualTo(Outcome.Cause.INVALID_REQUEST);
        assertThat(reject.invalid().kind()).isEqualTo(ParseError.Kind.MALFORMED_JSON);
        assertThat(reject.decision()).isNull();
        assertThat(store.peek("acct-door", clock.instant(), 0)).isEmpty();
    }

    @Test
    void aCompressedBodyOverTheCapOnceDecompressedIsRejectedAsTooLarge() throws IOException {
        String big = "{\"model\":\"m\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "a".repeat(50_000) + "\"}]}";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(big.getBytes(StandardCharsets.UTF_8));
        }
        Outcome outcome = engine.admit(arrival("acct-door", null, Map.of("content-encoding", "gzip"), 10_000,
                gz.toByteArray()), ChallengeGate.NONE);

        assertThat(((Outcome.Reject) outcome).cause()).isEqualTo(Outcome.Cause.TOO_LARGE);
    }

    @Test
    void anExhaustedRequestLimitIsRejectedAsRateLimitedWithTheDecision() {
        for (int i = 0; i < 6; i++) {
            assertThat(engine.admit(message("acct-busy", "hello " + i), ChallengeGate.NONE))
                    .isInstanceOf(Outcome.Forward.class);
        }
        Outcome.Reject reject = (Outcome.Reject) engine.admit(message("acct-busy", "hello"), ChallengeGate.NONE);

        assertThat(reject.cause()).isEqualTo(Outcome.Cause.RATE_LIMITED);
        assertThat(reject.decision().action()).isEqualTo(Action.THROTTLE);
        assertThat(reject.decision().throttle()).isEqualTo(Decision.Throttle.RATE_LIMIT);
        assertThat(reject.decision().limit().retryAfterSeconds()).isPositive();
    }

    @Test
    void explainAndAdmitFollowTheSamePrecedence() {
        store.putVerdict("acct-blocked", new Verdict(Verdict.Kind.BLOCK, clock.instant().plusSeconds(600), "operator",
                List.of("operator/block"), "abuse"));
        store.putVerdict("acct-held", new Verdict(Verdict.Kind.CHALLENGE, clock.instant().plusSeconds(600), "operator",
                List.of("operator/challenge"), "check"));

        Explanation blocked = ((Explained.Ready) engine.explain(message("acct-blocked", "hello"))).explanation();
        Explanation held = ((Explained.Ready) engine.explain(message("acct-held", "hello"))).explanation();
        Explanation friend = ((Explained.Ready) engine.explain(message("acct-friend", "hello"))).explanation();

        assertThat(blocked.action()).isEqualTo(Action.BLOCK);
        assertThat(((Outcome.Reject) engine.admit(message("acct-blocked", "hello"), ChallengeGate.NONE)).cause())
                .isEqualTo(Outcome.Cause.BLOCKED);
        assertThat(held.action()).isEqualTo(Action.CHALLENGE);
        assertThat(((Outcome.Reject) engine.admit(message("acct-held", "hello"), ChallengeGate.NONE)).cause())
                .isEqualTo(Outcome.Cause.CHALLENGED);
        assertThat(friend.action()).isEqualTo(Action.ALLOW);
        assertThat(friend.listed()).isEqualTo("allow-account");
        assertThat(engine.admit(message("acct-friend", "hello"), ChallengeGate.NONE)).isInstanceOf(Outcome.Forward.class);
    }

    @Test
    void explainingABodyThatDoesNotParseSaysWhy() {
        Explained explained = engine.explain(arrival("acct-door", "[1]", Map.of(), 1 << 20, null));

        assertThat(explained).isInstanceOf(Explained.Invalid.class);
    }
}
