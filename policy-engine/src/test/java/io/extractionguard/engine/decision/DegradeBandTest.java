package io.extractionguard.engine.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyException;
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

    private GuardEngine engine(Policy policy) {
        return GuardEngine.builder(() -> policy, clock).store(new InMemoryStateStore(clock))
                .limiter(new LocalRateLimiter(clock)).build();
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
                .isInstanceOf(PolicyException.class).hasMessageContaining("applies only to DEGRADE bands");
        assertThatThrownBy(() -> GuardEngineTest.variant(WATCH, WATCH + "\n  - { name: gray, min-score: 40, action: DEGRADE }"))
                .as("a degrade band above a throttle band is milder").isInstanceOf(PolicyException.class)
                .hasMessageContaining("milder");
    }
}
