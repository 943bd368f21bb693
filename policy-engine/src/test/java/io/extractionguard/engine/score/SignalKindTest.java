package io.extractionguard.engine.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.support.Fixtures;

/** Each signal's strength from crafted profile statistics, with its default parameters. */
class SignalKindTest {

    static final Instant NOW = Instant.parse("2026-03-02T12:00:00Z");
    static final TierLimits FREE = new TierLimits("free", 20, 2400);
    static final RequestFeatures NO_FEATURES = new RequestFeatures(null, 0, 0, false, -1, 0, 10, false);

    static ProfileStats stats(long total, double templated, double cot, double tools, double capability,
                              double requestedTokens, double perHour, double cv, int gaps) {
        return new ProfileStats(total, total, templated, cot, tools, capability, capability, requestedTokens, 0, 0,
                perHour / 60, perHour, cv, gaps, 0, 0, new io.extractionguard.engine.state.AreaShares(0, 0, 0, 0));
    }

    static double strength(SignalKind kind, ProfileStats s) {
        return strength(kind, s, Fixtures.account("a"));
    }

    static double strength(SignalKind kind, ProfileStats s, ClientIdentity id) {
        Map<String, Double> p = new HashMap<>();
        kind.params().forEach(spec -> p.put(spec.name(), spec.defaultValue()));
        return kind.create(10, Mode.ENFORCE, p).strength(new SignalContext(id, NO_FEATURES, s, FREE, NOW));
    }

    @Test
    void promptTemplateReuseRampsWithTheTemplatedShareAfterEnoughRequests() {
        assertThat(strength(SignalKind.PROMPT_TEMPLATE_REUSE, stats(3, 1, 0, 0, 0, 0, 0, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.PROMPT_TEMPLATE_REUSE, stats(50, 0.3, 0, 0, 0, 0, 0, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.PROMPT_TEMPLATE_REUSE, stats(50, 0.55, 0, 0, 0, 0, 0, Double.NaN, 0)))
                .isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(strength(SignalKind.PROMPT_TEMPLATE_REUSE, stats(50, 0.9, 0, 0, 0, 0, 0, Double.NaN, 0))).isEqualTo(1.0);
    }

    @Test
    void cotElicitationRampsWithTheShareOfReasoningRequests() {
        assertThat(strength(SignalKind.COT_ELICITATION, stats(10, 0, 0.1, 0, 0, 0, 0, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.COT_ELICITATION, stats(10, 0, 0.8, 0, 0, 0, 0, Double.NaN, 0))).isEqualTo(1.0);
    }

    @Test
    void capabilityFocusRampsWithTheTargetedShare() {
        assertThat(strength(SignalKind.CAPABILITY_FOCUS, stats(10, 0, 0, 0, 0.4, 0, 0, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.CAPABILITY_FOCUS, stats(10, 0, 0, 0, 0.96, 0, 0, Double.NaN, 0))).isEqualTo(1.0);
    }

    @Test
    void outputAppetiteRampsWithRequestedTokens() {
        assertThat(strength(SignalKind.OUTPUT_APPETITE, stats(10, 0, 0, 0, 0, 1000, 0, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.OUTPUT_APPETITE, stats(10, 0, 0, 0, 0, 10000, 0, Double.NaN, 0)))
                .isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(strength(SignalKind.OUTPUT_APPETITE, stats(10, 0, 0, 0, 0, 32000, 0, Double.NaN, 0))).isEqualTo(1.0);
    }

    @Test
    void agenticShapeRampsWithTheShareOfCallsWithTools() {
        assertThat(strength(SignalKind.AGENTIC_SHAPE, stats(10, 0, 0, 0.5, 0, 0, 0, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.AGENTIC_SHAPE, stats(10, 0, 0, 1.0, 0, 0, 0, Double.NaN, 0))).isEqualTo(1.0);
    }

    @Test
    void sustainedRateComparesTheHourlyPaceWithTheTiersDailyAllowance() {
        // 2400 a day = 100 an hour
        assertThat(strength(SignalKind.SUSTAINED_RATE, stats(100, 0, 0, 0, 0, 0, 40, Double.NaN, 0))).isZero();
        assertThat(strength(SignalKind.SUSTAINED_RATE, stats(100, 0, 0, 0, 0, 0, 75, Double.NaN, 0)))
                .isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(strength(SignalKind.SUSTAINED_RATE, stats(10, 0, 0, 0, 0, 0, 100, Double.NaN, 0))).isZero();
    }

    @Test
    void timingRegularityFiresOnMachineRegularGaps() {
        assertThat(strength(SignalKind.TIMING_REGULARITY, stats(20, 0, 0, 0, 0, 0, 0, 0.05, 15))).isEqualTo(1.0);
        assertThat(strength(SignalKind.TIMING_REGULARITY, stats(20, 0, 0, 0, 0, 0, 0, 1.5, 15))).isZero();
        assertThat(strength(SignalKind.TIMING_REGULARITY, stats(5, 0, 0, 0, 0, 0, 0, 0.05, 4))).isZero();
    }

    @Test
    void newAccountFadesOverItsMaximumAge() {
        ClientIdentity brandNew = Fixtures.account("a", null, null, null, NOW.minusSeconds(3600));
        ClientIdentity old = Fixtures.account("a", null, null, null, NOW.minusSeconds(30 * 86400));
        ProfileStats s = stats(1, 0, 0, 0, 0, 0, 0, Double.NaN, 0);
        assertThat(strength(SignalKind.NEW_ACCOUNT, s, brandNew)).isGreaterThan(0.99);
        assertThat(strength(SignalKind.NEW_ACCOUNT, s, old)).isZero();
        assertThat(strength(SignalKind.NEW_ACCOUNT, s)).as("unknown creation time").isZero();
    }

    @Test
    void scorerCapsAtOneHundredAndOrdersContributions() {
        Map<String, Double> p = new HashMap<>();
        SignalKind.COT_ELICITATION.params().forEach(spec -> p.put(spec.name(), spec.defaultValue()));
        Signal big = SignalKind.COT_ELICITATION.create(80, Mode.ENFORCE, p);
        Map<String, Double> q = new HashMap<>();
        SignalKind.CAPABILITY_FOCUS.params().forEach(spec -> q.put(spec.name(), spec.defaultValue()));
        Signal second = SignalKind.CAPABILITY_FOCUS.create(50, Mode.ENFORCE, q);
        RiskScore score = new Scorer(java.util.List.of(second, big)).score(new SignalContext(Fixtures.account("a"),
                NO_FEATURES, stats(10, 0, 1, 0, 1, 0, 0, Double.NaN, 0), FREE, NOW));
        assertThat(score.score()).isEqualTo(100.0);
        assertThat(score.contributions()).extracting(Contribution::signal)
                .containsExactly("cot-elicitation", "capability-focus");
    }

    private static ProfileStats oneShot(double recent, double standaloneShare, double requestedTokens) {
        return new ProfileStats((long) recent, recent, 0, 0, 0, 0, 0, requestedTokens, 0, standaloneShare, 0, 0,
                Double.NaN, 0, 0, 0, new io.extractionguard.engine.state.AreaShares(0, 0, 0, 0));
    }

    @Test
    void oneShotAsksNeedStandaloneRequestsWithLongBudgetsAndEnoughRecentRequests() {
        // a harvester: every request stands alone and asks for a long answer
        assertThat(strength(SignalKind.ONE_SHOT_ASKS, oneShot(30, 1.0, 12000))).isEqualTo(1.0);
        // too few recent requests to call the absence of follow-ups evidence
        assertThat(strength(SignalKind.ONE_SHOT_ASKS, oneShot(5, 1.0, 12000))).isZero();
        // people follow up: 60% standalone is ordinary conversation
        assertThat(strength(SignalKind.ONE_SHOT_ASKS, oneShot(30, 0.6, 12000))).isZero();
        // scripts that classify or extract send standalone requests with short budgets
        assertThat(strength(SignalKind.ONE_SHOT_ASKS, oneShot(30, 1.0, 256))).isZero();
        // in between, both ramps multiply: share 0.875 (half way) x budget 5000 (half way)
        assertThat(strength(SignalKind.ONE_SHOT_ASKS, oneShot(30, 0.875, 5000)))
                .isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-9));
    }
}
