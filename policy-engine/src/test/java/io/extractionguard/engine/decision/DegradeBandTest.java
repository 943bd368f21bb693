package io.extractionguard.engine.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.memory.InMemoryChallengeLedger;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyException;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.support.Fixtures;
import io.extractionguard.engine.support.MutableClock;

/**
 * The DEGRADE band on {@code policies/engine-test.yaml} with its watch band (≥30) replaced by a
 * degrade band {@code gray} (≥30) and a THROTTLE band from 50: cot-elicitation alone (40) degrades.
 */
class DegradeBandTest {

    private static final String WATCH = "  - { name: watch, min-score: 30, action: THROTTLE, limit-factor: 0.5 }";
    private static final String GRAY = "  - { name: gray, min-score: 30, action: DEGRADE%s }\n"
            + "  - { name: watch, min-score: 50, action: THROTTLE, limit-factor: 0.5 }";

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");

    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final InMemoryChallengeLedger ledger = new InMemoryChallengeLedger(clock);

    private GuardEngine engine(Policy policy) {
        return GuardEngine.builder(() -> policy, clock).store(store).challenges(ledger)
                .limiter(new LocalRateLimiter(clock)).build();
    }

    private static final String HOLD = "action: CHALLENGE, challenge: verification-hold }";

    @Test
    void aSolvedChallengeOfABandThatDegradesItsPassesDoesNotRestoreTheReasoning() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(HOLD,
                "action: CHALLENGE, challenge: proof-of-work, verdict-ttl: 1h, thinking-budget: 0, reasoning-effort: minimal }"));
        assertThat(send(e, "acct-pass", GuardEngineTest.COT_CODING).action()).isEqualTo(Action.CHALLENGE);
        ledger.grantPass("acct-pass", 2, clock.instant().plusSeconds(600));
        Decision passed = send(e, "acct-pass", GuardEngineTest.COT_CODING);
        assertThat(passed.action()).isEqualTo(Action.ALLOW);
        assertThat(passed.reasons()).contains(GuardEngine.CHALLENGE_PASSED).endsWith("degrade/challenge");
        assertThat(passed.degrade()).isEqualTo(new Degrade(0, "minimal", 1));
        // below every band, a standing verdict's pass is degraded the same way
        store.putVerdict("acct-held", new Verdict(Verdict.Kind.CHALLENGE, clock.instant().plusSeconds(600),
                "band/challenge", List.of("cot-elicitation"), ""));
        ledger.grantPass("acct-held", 1, clock.instant().plusSeconds(600));
        Decision plain = send(e, "acct-held", GuardEngineTest.PLAIN);
        assertThat(plain.action()).isEqualTo(Action.ALLOW);
        assertThat(plain.band()).isNull();
        assertThat(plain.degrade()).isEqualTo(new Degrade(0, "minimal", 1));
    }

    @Test
    void aSolvedChallengeOfABandWithoutDegradeSettingsRestoresTheReasoning() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(HOLD, "action: CHALLENGE, challenge: proof-of-work }"));
        assertThat(send(e, "acct-full", GuardEngineTest.COT_CODING).action()).isEqualTo(Action.CHALLENGE);
        ledger.grantPass("acct-full", 1, clock.instant().plusSeconds(600));
        Decision passed = send(e, "acct-full", GuardEngineTest.COT_CODING);
        assertThat(passed.action()).isEqualTo(Action.ALLOW);
        assertThat(passed.degrade()).isNull();
        assertThatThrownBy(() -> GuardEngineTest.variant(HOLD, HOLD.replace(" }", ", max-choices: 1 }")))
                .as("a verification hold lets nothing through to degrade").isInstanceOf(PolicyException.class)
                .hasMessageContaining("proof-of-work CHALLENGE bands");
    }

    @Test
    void aBatchTakesOnePassRequestPerItemAllOrNoneAndIsDegradedLikeItsItems() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(HOLD,
                "action: CHALLENGE, challenge: proof-of-work, verdict-ttl: 1h, thinking-budget: 0 }"));
        var id = Fixtures.account("acct-batch-pass", "enterprise", null, null, null);
        List<io.extractionguard.engine.request.InferenceRequest> three = List.of(Fixtures.prompt(GuardEngineTest.COT_CODING),
                Fixtures.prompt(GuardEngineTest.COT_CODING), Fixtures.prompt(GuardEngineTest.COT_CODING));
        assertThat(e.evaluateBatch(id, three).action()).isEqualTo(Action.CHALLENGE);
        ledger.grantPass("acct-batch-pass", 5, clock.instant().plusSeconds(600));
        Decision first = e.evaluateBatch(id, three);
        assertThat(first.action()).isEqualTo(Action.ALLOW);
        assertThat(first.degrade()).as("the batch's items answered as its single requests would be")
                .isEqualTo(new Degrade(0, "low", 1));
        assertThat(e.evaluateBatch(id, three).action()).as("2 requests left: a batch of 3 takes none")
                .isEqualTo(Action.CHALLENGE);
        assertThat(e.evaluateBatch(id, three.subList(0, 2)).action()).isEqualTo(Action.ALLOW);
        assertThat(e.evaluateBatch(id, three.subList(0, 1)).action()).as("the pass is spent").isEqualTo(Action.CHALLENGE);
    }

    @Test
    void aBatchStartIsDecidedOnTheAccountsStandingAndChargedItsItems() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(HOLD,
                "action: CHALLENGE, challenge: proof-of-work, verdict-ttl: 1h, thinking-budget: 0 }"));
        assertThat(e.evaluateBatchStart(Fixtures.account("acct-start-clean"), io.extractionguard.engine.request.ApiFormat.OPENAI_CHAT_COMPLETIONS, 4).action())
                .isEqualTo(Action.ALLOW);
        Decision again = e.evaluateBatchStart(Fixtures.account("acct-start-clean"), io.extractionguard.engine.request.ApiFormat.OPENAI_CHAT_COMPLETIONS, 4);
        assertThat(again.action()).as("6 a minute: 4 charged per start").isEqualTo(Action.THROTTLE);
        store.putVerdict("acct-start-blocked", new Verdict(Verdict.Kind.BLOCK, clock.instant().plusSeconds(600),
                "band/block", List.of("cot-elicitation"), ""));
        assertThat(e.evaluateBatchStart(Fixtures.account("acct-start-blocked"), io.extractionguard.engine.request.ApiFormat.OPENAI_CHAT_COMPLETIONS, 1).action())
                .isEqualTo(Action.BLOCK);
        store.putVerdict("acct-start-held", new Verdict(Verdict.Kind.CHALLENGE, clock.instant().plusSeconds(600),
                "band/challenge", List.of("cot-elicitation"), ""));
        assertThat(e.evaluateBatchStart(Fixtures.account("acct-start-held"), io.extractionguard.engine.request.ApiFormat.OPENAI_CHAT_COMPLETIONS, 2).action())
                .isEqualTo(Action.CHALLENGE);
        ledger.grantPass("acct-start-held", 2, clock.instant().plusSeconds(600));
        Decision passed = e.evaluateBatchStart(Fixtures.account("acct-start-held"), io.extractionguard.engine.request.ApiFormat.OPENAI_CHAT_COMPLETIONS, 2);
        assertThat(passed.action()).isEqualTo(Action.ALLOW);
        assertThat(passed.degrade()).as("a pass of a degrading band").isNotNull();
    }

    private static Decision send(GuardEngine e, String account, String text) {
        return e.evaluate(new GuardRequest(Fixtures.account(account), Fixtures.prompt(text)));
    }

    @Test
    void aRequestInTheBandIsAllowedWithTheDegradeInstructionAndItsReason() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(WATCH, GRAY.formatted(", thinking-budget: 2048, reasoning-effort: minimal")));
        Decision d = send(e, "acct-gray", GuardEngineTest.COT);
        assertThat(d.action()).isEqualTo(Action.ALLOW);
        assertThat(d.band()).isEqualTo("gray");
        assertThat(d.reasons()).containsExactly("cot-elicitation", "degrade/gray");
        assertThat(d.degrade()).isEqualTo(new Degrade(2048, "minimal", 1));
        assertThat(d.limit().remaining()).as("the tier's full limit, not tightened").isEqualTo(5);
    }

    @Test
    void belowTheBandAndAboveItNothingIsDegraded() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(WATCH, GRAY.formatted("")));
        Decision plain = send(e, "acct-plain", GuardEngineTest.PLAIN);
        assertThat(plain.action()).isEqualTo(Action.ALLOW);
        assertThat(plain.degrade()).isNull();
        assertThat(plain.reasons()).isEmpty();
        Decision harvest = send(e, "acct-harvest", GuardEngineTest.COT_CODING);
        assertThat(harvest.action()).as("the challenge band still rejects").isEqualTo(Action.CHALLENGE);
        assertThat(harvest.degrade()).isNull();
    }

    @Test
    void withoutADegradeBandTheSameRequestIsDecidedAsBefore() {
        Decision d = send(engine(Fixtures.policy("/policies/engine-test.yaml")), "acct-cot", GuardEngineTest.COT);
        assertThat(d.action()).isEqualTo(Action.ALLOW);
        assertThat(d.band()).isEqualTo("watch");
        assertThat(d.reasons()).containsExactly("cot-elicitation");
        assertThat(d.degrade()).isNull();
    }

    @Test
    void aShadowBandForwardsUndegradedAndRecordsWhatItWouldHaveDone() throws Exception {
        GuardEngine e = engine(GuardEngineTest.variant(WATCH, GRAY.formatted(", mode: shadow")));
        Decision d = send(e, "acct-shadow", GuardEngineTest.COT);
        assertThat(d.action()).isEqualTo(Action.SHADOW);
        assertThat(d.wouldBe()).isEqualTo(Action.ALLOW);
        assertThat(d.reasons()).containsExactly("cot-elicitation", "degrade/gray");
        assertThat(d.degrade()).isNull();
    }

    @Test
    void theLoaderDefaultsTheBandAndRejectsSettingsThatDoNotFit() throws Exception {
        assertThat(GuardEngineTest.variant(WATCH, GRAY.formatted("")).bandFor(35).degrade()).isEqualTo(Degrade.DEFAULT);
        assertThatThrownBy(() -> GuardEngineTest.variant(WATCH, GRAY.formatted(", thinking-budget: 500")))
                .isInstanceOf(PolicyException.class).hasMessageContaining("thinking-budget");
        assertThatThrownBy(() -> GuardEngineTest.variant(WATCH, WATCH.replace(" }", ", max-choices: 1 }")))
                .isInstanceOf(PolicyException.class).hasMessageContaining("applies only to DEGRADE bands and proof-of-work");
        assertThatThrownBy(() -> GuardEngineTest.variant(WATCH, WATCH + "\n  - { name: gray, min-score: 40, action: DEGRADE }"))
                .as("a degrade band above a throttle band is milder").isInstanceOf(PolicyException.class)
                .hasMessageContaining("milder");
    }
}
