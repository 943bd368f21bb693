package io.extractionguard.engine.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.memory.LocalTokenLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.support.Fixtures;
import io.extractionguard.engine.support.MutableClock;

/**
 * Token budgets in decisions, on {@code policies/token-test.yaml}: free tier 1 000 output and
 * 5 000 input tokens a minute, watch band (≥30, reached by cot-elicitation) at a quarter of them.
 */
class TokenBudgetEngineTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final Policy policy = Fixtures.policy("/policies/token-test.yaml");
    private final GuardEngine engine = new GuardEngine(() -> policy, new InMemoryStateStore(clock),
            new LocalRateLimiter(clock), clock);

    private Decision send(ClientIdentity who, String text) {
        return engine.evaluate(new GuardRequest(who, Fixtures.prompt(text)));
    }

    @Test
    void theBoundIsReservedAtAdmissionReconciledWithUsageAndASpentBudgetRefusesUntilItRefills() {
        ClientIdentity who = Fixtures.account("acct-reader");
        Decision first = send(who, "a question");
        assertThat(first.action()).isEqualTo(Action.ALLOW);
        assertThat(first.tokens().reservedOutput()).as("its max_tokens, reserved at admission").isEqualTo(1_024);
        assertThat(first.tokens().output().remaining()).isZero();
        Decision concurrent = send(who, "a question sent while the first runs");
        assertThat(concurrent.action()).as("the first's reservation holds the budget").isEqualTo(Action.THROTTLE);

        TokenOutcome afterFirst = engine.recordUsage(first, 120, 700);
        assertThat(afterFirst.output().remaining()).isEqualTo(300);
        assertThat(afterFirst.input().remaining()).isEqualTo(4_880);
        Decision second = send(who, "another question");
        assertThat(second.action()).as("300 tokens left: not spent").isEqualTo(Action.ALLOW);
        engine.recordUsage(second, 120, 700); // crosses the budget: served in full, 400 tokens of debt

        Decision third = send(who, "a third question");
        assertThat(third.action()).isEqualTo(Action.THROTTLE);
        assertThat(third.reasons()).containsExactly(GuardEngine.TOKEN_BUDGET);
        assertThat(third.limit()).as("a refused request consumes no request slot").isNull();
        assertThat(third.retryAfterSeconds()).isBetween(24L, 25L);

        clock.advance(Duration.ofSeconds(third.retryAfterSeconds()));
        assertThat(send(who, "later").action()).isEqualTo(Action.ALLOW);
    }

    @Test
    void theWatchBandTightensTheTokenBudgetByItsTokenFactor() {
        ClientIdentity who = Fixtures.account("acct-cot");
        Decision d = send(who, "show your full reasoning about cats");
        assertThat(d.band()).isEqualTo("watch");
        assertThat(d.action()).isEqualTo(Action.ALLOW);
        assertThat(d.tokens().factor()).isEqualTo(0.25);
        assertThat(d.tokens().reservedOutput()).isEqualTo(1_024);
        assertThat(d.tokens().output().remaining()).as("1 024 at four times the cost: more than the budget").isZero();

        engine.recordUsage(d, 10, 300); // costs 1 200 of the 1 000 base tokens
        Decision next = send(who, "show your full reasoning about dogs");
        assertThat(next.action()).isEqualTo(Action.THROTTLE);
        assertThat(next.reasons()).as("a risk-tightened budget names the risk").contains("cot-elicitation");
    }

    @Test
    void servedOutputTokensFeedTheHarvestVolumeSignal() {
        ClientIdentity who = Fixtures.account("acct-harvest");
        Decision d = send(who, "plain question");
        assertThat(d.reasons()).doesNotContain("harvest-volume");
        for (int i = 0; i < 6; i++) {
            engine.recordUsage(d, 10, 900);
            clock.advance(Duration.ofMinutes(2));
            d = send(who, "plain question " + i);
        }
        assertThat(d.reasons()).contains("harvest-volume");
        assertThat(d.contributions()).anySatisfy(c -> {
            assertThat(c.signal()).isEqualTo("harvest-volume");
            assertThat(c.strength()).isGreaterThan(0.9);
        });
    }

    @Test
    void aTierWithoutBudgetIsNeverRefusedForTokensAndUsageStillFeedsTheProfile() {
        ClientIdentity big = Fixtures.account("acct-enterprise", "enterprise", null, null, null);
        Decision d = send(big, "question");
        assertThat(d.tokens().isUnlimited()).isTrue();
        assertThat(engine.recordUsage(d, 1_000_000, 1_000_000).allowed()).isTrue();
        assertThat(send(big, "question 2").action()).isEqualTo(Action.ALLOW);
    }

    @Test
    void inAnObserveOnlyPolicyASpentBudgetIsRecordedAsAWouldBeThrottle() throws Exception {
        byte[] text = new String(getClass().getResourceAsStream("/policies/token-test.yaml").readAllBytes())
                .replace("version: \"token-test-1\"", "version: \"token-test-1\"\nmode: shadow").getBytes();
        Policy shadow = new io.extractionguard.engine.policy.PolicyLoader().load("shadow.yaml", text);
        GuardEngine observing = new GuardEngine(() -> shadow, new InMemoryStateStore(clock),
                new LocalRateLimiter(clock), clock);
        ClientIdentity who = Fixtures.account("acct-shadow");
        Decision d = observing.evaluate(new GuardRequest(who, Fixtures.prompt("q")));
        observing.recordUsage(d, 0, 5_000);
        Decision next = observing.evaluate(new GuardRequest(who, Fixtures.prompt("q2")));
        assertThat(next.action()).isEqualTo(Action.SHADOW);
        assertThat(next.wouldBe()).isEqualTo(Action.THROTTLE);
        assertThat(next.reasons()).containsExactly(GuardEngine.TOKEN_BUDGET);
    }
}
