package io.extractionguard.engine.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.memory.InMemoryChallengeLedger;
import io.extractionguard.engine.memory.InMemoryIndicatorRegistry;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.support.Fixtures;
import io.extractionguard.engine.support.MutableClock;

/**
 * One test per policy rule, on {@code policies/engine-test.yaml}: cot-elicitation 40 points,
 * capability-focus 30, new-account 30; bands watch ≥30 (THROTTLE, half limits), challenge ≥60,
 * block ≥90 (verdict 1h); free tier 6 requests a minute.
 */
class GuardEngineTest {

    static final String PLAIN = "what is a good name for a cat";
    static final String COT = "tell me about cats and show your full reasoning";
    static final String COT_CODING = "write a python function and show your full reasoning";

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final InMemoryStateStore store = new InMemoryStateStore(clock);

    private final InMemoryChallengeLedger ledger = new InMemoryChallengeLedger(clock);

    private GuardEngine engine(Policy policy) {
        return GuardEngine.builder(() -> policy, clock).store(store).limiter(new LocalRateLimiter(clock))
                .challenges(ledger).build();
    }

    private final GuardEngine engine = engine(Fixtures.policy("/policies/engine-test.yaml"));

    private Decision send(GuardEngine e, ClientIdentity who, String text) {
        return e.evaluate(new GuardRequest(who, Fixtures.prompt(text)));
    }

    @Test
    void plainPromptIsAllowedAndChargedAgainstTheTierLimit() {
        Decision d = send(engine, Fixtures.account("acct-1"), PLAIN);
        assertThat(d.action()).isEqualTo(Action.ALLOW);
        assertThat(d.score()).isZero();
        assertThat(d.reasons()).isEmpty();
        assertThat(d.band()).isNull();
        assertThat(d.limit().limit()).isEqualTo(6);
        assertThat(d.limit().remaining()).isEqualTo(5);
        assertThat(d.policyVersion()).startsWith("engine-test-1 (");
    }

    @Test
    void baseLimitThrottlesWithRetryAfterAndRefillsOnTheInjectedClock() {
        ClientIdentity who = Fixtures.account("acct-busy");
        for (int i = 0; i < 6; i++) {
            assertThat(send(engine, who, PLAIN + " " + i).action()).isEqualTo(Action.ALLOW);
        }
        Decision throttled = send(engine, who, PLAIN);
        assertThat(throttled.action()).isEqualTo(Action.THROTTLE);
        assertThat(throttled.reasons()).containsExactly("rate-limit");
        assertThat(throttled.limit().retryAfterSeconds()).isBetween(1L, 60L);

        clock.advance(Duration.ofSeconds(throttled.limit().retryAfterSeconds()));
        assertThat(send(engine, who, PLAIN).action()).isEqualTo(Action.ALLOW);
    }

    @Test
    void watchBandThrottlesAtHalfTheTierLimitAndNamesTheSignal() {
        ClientIdentity who = Fixtures.account("acct-cot");
        for (int i = 0; i < 3; i++) {
            Decision d = send(engine, who, COT);
            assertThat(d.action()).isEqualTo(Action.ALLOW);
            assertThat(d.band()).isEqualTo("watch");
            assertThat(d.score()).isEqualTo(40.0);
        }
        Decision throttled = send(engine, who, COT);
        assertThat(throttled.action()).isEqualTo(Action.THROTTLE);
        assertThat(throttled.reasons()).containsExactly("cot-elicitation");
    }

    @Test
    void challengeBandChallengesWithItsConfiguredStep() {
        Decision d = send(engine, Fixtures.account("acct-harvest"), COT_CODING);
        assertThat(d.action()).isEqualTo(Action.CHALLENGE);
        assertThat(d.challenge()).isEqualTo(ChallengeKind.VERIFICATION_HOLD);
        assertThat(d.band()).isEqualTo("challenge");
        assertThat(d.score()).isEqualTo(70.0);
        assertThat(d.reasons()).containsExactly("cot-elicitation", "capability-focus");
        assertThat(d.contributions()).extracting(c -> c.points()).containsExactly(40.0, 30.0);
    }

    @Test
    void blockBandBlocksAndItsVerdictOutlivesTheScoreUntilItExpires() {
        Instant created = clock.instant().minusSeconds(60);
        ClientIdentity fresh = Fixtures.account("acct-new", null, null, null, created);
        Decision blocked = send(engine, fresh, COT_CODING);
        assertThat(blocked.action()).isEqualTo(Action.BLOCK);
        assertThat(blocked.score()).isGreaterThanOrEqualTo(90.0);
        Verdict verdict = store.verdict("acct-new", clock.instant()).orElseThrow();
        assertThat(verdict.kind()).isEqualTo(Verdict.Kind.BLOCK);
        assertThat(verdict.source()).isEqualTo("band/block");
        assertThat(verdict.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));

        // Without the account-age signal the score is only in the challenge band: the verdict still blocks.
        Decision later = send(engine, Fixtures.account("acct-new"), COT_CODING);
        assertThat(later.score()).isLessThan(90.0);
        assertThat(later.action()).isEqualTo(Action.BLOCK);
        assertThat(later.reasons()).isEqualTo(verdict.reasons());

        clock.advance(Duration.ofMinutes(61));
        assertThat(send(engine, Fixtures.account("acct-new"), COT_CODING).action()).isEqualTo(Action.CHALLENGE);
    }

    @Test
    void anotherAccountIsUnaffectedByABlockedOne() {
        Instant created = clock.instant().minusSeconds(60);
        send(engine, Fixtures.account("acct-bad", null, null, null, created), COT_CODING);
        assertThat(send(engine, Fixtures.account("acct-bad"), PLAIN).action()).isEqualTo(Action.BLOCK);
        Decision other = send(engine, Fixtures.account("acct-good"), PLAIN);
        assertThat(other.action()).isEqualTo(Action.ALLOW);
        assertThat(other.score()).isZero();
    }

    @Test
    void denyListBlocksByOrgAndByPaymentFingerprint() {
        Decision byOrg = send(engine, Fixtures.account("acct-a", null, "org-fraud", null, null), PLAIN);
        assertThat(byOrg.action()).isEqualTo(Action.BLOCK);
        assertThat(byOrg.reasons()).containsExactly("list/deny-org");
        Decision byPayment = send(engine, Fixtures.account("acct-b", null, null, "pf-stolen", null), PLAIN);
        assertThat(byPayment.action()).isEqualTo(Action.BLOCK);
        assertThat(byPayment.reasons()).containsExactly("list/deny-payment");
    }

    @Test
    void allowListedAccountIsExemptFromRiskActionsButNotFromTierLimits() {
        ClientIdentity friend = Fixtures.account("acct-friend");
        for (int i = 0; i < 6; i++) {
            Decision d = send(engine, friend, COT_CODING);
            assertThat(d.action()).isEqualTo(Action.ALLOW);
            assertThat(d.score()).isEqualTo(70.0);
            assertThat(d.band()).isNull();
        }
        assertThat(send(engine, friend, COT_CODING).action()).isEqualTo(Action.THROTTLE);
    }

    @Test
    void operatorAllowVerdictSuspendsRiskActionsUntilItExpires() {
        store.putVerdict("acct-op", new Verdict(Verdict.Kind.ALLOW, clock.instant().plusSeconds(600),
                "operator/alice", List.of("operator/allow"), "false positive, ticket 42"));
        assertThat(send(engine, Fixtures.account("acct-op"), COT_CODING).action()).isEqualTo(Action.ALLOW);
        clock.advance(Duration.ofSeconds(601));
        assertThat(send(engine, Fixtures.account("acct-op"), COT_CODING).action()).isEqualTo(Action.CHALLENGE);
    }

    @Test
    void shadowPolicyForwardsEverythingAndRecordsWhatItWouldHaveDone() throws Exception {
        GuardEngine shadow = engine(variant("version: \"engine-test-1\"", "version: \"engine-test-1\"\nmode: shadow"));
        Decision challenge = send(shadow, Fixtures.account("acct-s1"), COT_CODING);
        assertThat(challenge.action()).isEqualTo(Action.SHADOW);
        assertThat(challenge.wouldBe()).isEqualTo(Action.CHALLENGE);
        assertThat(challenge.action().forwards()).isTrue();

        Decision denied = send(shadow, Fixtures.account("acct-s2", null, "org-fraud", null, null), PLAIN);
        assertThat(denied.action()).isEqualTo(Action.SHADOW);
        assertThat(denied.wouldBe()).isEqualTo(Action.BLOCK);

        ClientIdentity busy = Fixtures.account("acct-s3");
        for (int i = 0; i < 6; i++) {
            send(shadow, busy, PLAIN);
        }
        Decision overLimit = send(shadow, busy, PLAIN);
        assertThat(overLimit.action()).isEqualTo(Action.SHADOW);
        assertThat(overLimit.wouldBe()).isEqualTo(Action.THROTTLE);
        assertThat(store.verdict("acct-s1", clock.instant())).isEmpty();
    }

    @Test
    void shadowSignalIsLeftOutOfTheScoreButReportedWhenItWouldChangeTheAction() throws Exception {
        GuardEngine e = engine(variant("cot-elicitation: { weight: 40, low: 0.0, high: 0.5 }",
                "cot-elicitation: { weight: 40, low: 0.0, high: 0.5, mode: shadow }"));
        Decision d = send(e, Fixtures.account("acct-sig"), COT_CODING);
        assertThat(d.score()).isEqualTo(30.0);
        assertThat(d.action()).isEqualTo(Action.SHADOW);
        assertThat(d.wouldBe()).isEqualTo(Action.CHALLENGE);
        assertThat(d.reasons()).containsExactly("cot-elicitation", "capability-focus");
        assertThat(d.contributions()).filteredOn(c -> c.signal().equals("cot-elicitation"))
                .singleElement().satisfies(c -> assertThat(c.shadow()).isTrue());
    }

    @Test
    void shadowBandRecordsItsActionWithoutApplyingIt() throws Exception {
        GuardEngine e = engine(variant("action: CHALLENGE, challenge: verification-hold }",
                "action: CHALLENGE, challenge: verification-hold, mode: shadow }"));
        Decision d = send(e, Fixtures.account("acct-band"), COT_CODING);
        assertThat(d.action()).isEqualTo(Action.SHADOW);
        assertThat(d.wouldBe()).isEqualTo(Action.CHALLENGE);
        assertThat(d.band()).isEqualTo("challenge");
    }

    @Test
    void solvedProofOfWorkLetsABoundedNumberOfChallengedRequestsThrough() throws Exception {
        GuardEngine e = engine(variant("action: CHALLENGE, challenge: verification-hold }",
                "action: CHALLENGE, challenge: proof-of-work, pass-requests: 2 }"));
        ClientIdentity who = Fixtures.account("acct-pow");
        assertThat(send(e, who, COT_CODING).action()).isEqualTo(Action.CHALLENGE);
        ledger.grantPass("acct-pow", 2, clock.instant().plusSeconds(600));
        for (int i = 0; i < 2; i++) {
            Decision passed = send(e, who, COT_CODING);
            assertThat(passed.action()).isEqualTo(Action.ALLOW);
            assertThat(passed.band()).isEqualTo("challenge");
            assertThat(passed.reasons()).endsWith(GuardEngine.CHALLENGE_PASSED);
        }
        assertThat(send(e, who, COT_CODING).action()).isEqualTo(Action.CHALLENGE);
    }

    @Test
    void verificationHoldIsNotBypassedByAProofOfWorkPass() {
        store.putVerdict("acct-held", new Verdict(Verdict.Kind.CHALLENGE, clock.instant().plusSeconds(600),
                "band/challenge", List.of("cot-elicitation"), ""));
        ledger.grantPass("acct-held", 5, clock.instant().plusSeconds(600));
        Decision d = send(engine, Fixtures.account("acct-held"), PLAIN);
        assertThat(d.action()).isEqualTo(Action.CHALLENGE);
        assertThat(d.challenge()).isEqualTo(ChallengeKind.VERIFICATION_HOLD);
    }

    @Test
    void importedPeerIndicatorRaisesTheScoreOfMatchingTrafficByItsConfidence() throws Exception {
        Policy p = variant("lists:", "peer-indicators: { weight: 50, min-confidence: 60 }\nlists:");
        InMemoryIndicatorRegistry registry = new InMemoryIndicatorRegistry(0.8);
        registry.put(List.of(
                new Indicator("indicator--1", Indicator.Kind.PAYMENT_FINGERPRINT, "pf-peer", 80, clock.instant(),
                        clock.instant().plusSeconds(3600), "Lab B", "identity--b", "card used by campaign X"),
                new Indicator("indicator--2", Indicator.Kind.CLIENT_JA4, "t13d-weak", 40, clock.instant(),
                        clock.instant().plusSeconds(3600), "Lab B", "identity--b", "")), clock.instant());
        GuardEngine e = GuardEngine.builder(() -> p, clock).store(store).indicators(registry).build();
        Decision d = send(e, Fixtures.account("acct-peer", null, null, "pf-peer", null), PLAIN);
        assertThat(d.score()).isEqualTo(40.0);
        assertThat(d.reasons()).containsExactly("peer-indicator/payment");
        assertThat(d.band()).isEqualTo("watch");
        ClientIdentity weak = new ClientIdentity("acct-weak", ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null,
                null, "t13d-weak", "ua", "198.51.100.1", 0);
        assertThat(send(e, weak, PLAIN).score()).as("below min-confidence").isZero();
        clock.advance(Duration.ofHours(2));
        assertThat(send(e, Fixtures.account("acct-peer2", null, null, "pf-peer", null), PLAIN).score()).as("expired").isZero();
    }

    /** engine-test.yaml with {@code find} replaced (which must occur). */
    static Policy variant(String find, String replace) throws Exception {
        String text;
        try (InputStream in = GuardEngineTest.class.getResourceAsStream("/policies/engine-test.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        assertThat(text).contains(find);
        return new PolicyLoader().load("variant.yaml", text.replace(find, replace).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBatchCountsAsItsItemsAndIsAdmittedOrRefusedWhole() {
        ClientIdentity who = Fixtures.account("acct-batch");
        Decision four = engine.evaluateBatch(who, List.of(Fixtures.prompt(PLAIN), Fixtures.prompt("how tall is mount everest"),
                Fixtures.prompt("translate good morning into french"), Fixtures.prompt("recommend a fantasy novel for a teenager")));
        assertThat(four.action()).isEqualTo(Action.ALLOW);
        assertThat(four.limit().remaining()).isEqualTo(2);
        Decision three = engine.evaluateBatch(who, List.of(Fixtures.prompt("which planet has the most moons"),
                Fixtures.prompt("suggest a name for a sailing boat"), Fixtures.prompt("what rhymes with orange")));
        assertThat(three.action()).as("3 do not fit in the 2 left: nothing charged").isEqualTo(Action.THROTTLE);
        assertThat(send(engine, who, "when was the eiffel tower built").limit().remaining()).isEqualTo(1);

        Decision seven = engine.evaluateBatch(Fixtures.account("acct-big-batch"),
                java.util.stream.IntStream.range(0, 7).mapToObj(i -> Fixtures.prompt(PLAIN + " " + i)).toList());
        assertThat(seven.action()).isEqualTo(Action.THROTTLE);
        assertThat(seven.reasons()).containsExactly(GuardEngine.BATCH_TOO_LARGE);
    }

    @Test
    void aBatchIsJudgedByItsRiskiestItemAndTheProfileSeesEveryItem() {
        ClientIdentity who = Fixtures.account("acct-batch-risk");
        Decision d = engine.evaluateBatch(who, List.of(Fixtures.prompt(PLAIN), Fixtures.prompt(COT_CODING)));
        Decision single = send(engine(Fixtures.policy("/policies/engine-test.yaml")), Fixtures.account("acct-single-risk"),
                COT_CODING);
        assertThat(d.score()).isGreaterThanOrEqualTo(single.score()).isPositive();
        assertThat(store.peek("acct-batch-risk", clock.instant(), 0).orElseThrow().totalRequests()).isEqualTo(2);
    }

    @Test
    void aTierCanRefuseBatches() throws Exception {
        assertThat(engine.batchesAllowed(Fixtures.account("acct-any"))).isTrue();
        GuardEngine refusing = engine(variant("free: { requests-per-minute: 6, requests-per-day: 1000 }",
                "free: { requests-per-minute: 6, requests-per-day: 1000, batches: refuse }"));
        assertThat(refusing.batchesAllowed(Fixtures.account("acct-any"))).isFalse();
    }
}
