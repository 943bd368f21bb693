package io.extractionguard.engine.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.memory.LocalTokenLimiter;
import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.engine.support.MutableClock;

class LocalTokenLimiterTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
    private final LocalTokenLimiter limiter = new LocalTokenLimiter(clock);
    /** 10 000 input and 1 000 output tokens a minute, 100 000 / 20 000 a day. */
    private final TokenBudget budget = new TokenBudget(10_000, 100_000, 1_000, 20_000);

    /** Usage of a request admitted without a reservation (observe-only): charged in full. */
    private TokenOutcome charge(String account, TokenBudget b, double factor, long in, long out) {
        return limiter.settle(account, limiter.check(account, b, factor), in, out);
    }

    @Test
    void concurrentRequestsEachReserveTheirBoundSoTheyCannotAllPassAgainstTheSameRemainder() {
        TokenOutcome first = limiter.reserve("r", budget, 1.0, 50, 400);
        TokenOutcome second = limiter.reserve("r", budget, 1.0, 50, 400);
        TokenOutcome third = limiter.reserve("r", budget, 1.0, 50, 400); // 200 left: admitted, 200 into debt
        TokenOutcome fourth = limiter.reserve("r", budget, 1.0, 50, 400);
        assertThat(first.allowed()).isTrue();
        assertThat(first.output().remaining()).as("the header figure after the reservation").isEqualTo(600);
        assertThat(second.allowed()).isTrue();
        assertThat(third.allowed()).isTrue();
        assertThat(fourth.allowed()).as("the budget is reserved to the end").isFalse();
        assertThat(fourth.reservedOutput()).as("a refused request reserves nothing").isZero();
        assertThat(third.reservedOutput()).isEqualTo(400);
        assertThat(third.reservedInput()).isEqualTo(50);

        // each used 100 of its 400: 900 go back, leaving 1000 - 300 = 700
        limiter.settle("r", first, 20, 100);
        limiter.settle("r", second, 20, 100);
        TokenOutcome settled = limiter.settle("r", third, 80, 100);
        assertThat(settled.output().remaining()).isEqualTo(700);
        assertThat(settled.input().remaining()).as("the input estimate reconciled both ways").isEqualTo(10_000 - 120);
    }

    @Test
    void aReservationReleasedWithoutUsageChargesNothing() {
        TokenOutcome held = limiter.reserve("s", budget, 0.5, 10, 300);
        assertThat(held.output().remaining()).as("600 of 1000 at cost 2: 400 left, 200 at this factor").isEqualTo(200);
        limiter.settle("s", held, 0, 0);
        assertThat(limiter.check("s", budget, 1.0).output().remaining()).isEqualTo(1_000);
        assertThat(limiter.reserve("t", TokenBudget.NONE, 1.0, 10, 10)).isSameAs(TokenOutcome.UNLIMITED);
    }

    @Test
    void releaseLeavesTheBucketsAsSettlingWithoutUsageDoes() {
        LocalTokenLimiter settling = new LocalTokenLimiter(clock);
        for (int i = 0; i < 40; i++) {
            double factor = i % 3 == 0 ? 0.5 : 1.0; // some reservations refused: released with nothing reserved
            TokenOutcome a = limiter.reserve("u", budget, factor, 30 + i, 90 + 7 * i);
            TokenOutcome b = settling.reserve("u", budget, factor, 30 + i, 90 + 7 * i);
            assertThat(a).isEqualTo(b);
            limiter.release("u", a);
            settling.settle("u", b, 0, 0);
            clock.advance(Duration.ofMillis(1_700));
            assertThat(limiter.check("u", budget, 1.0)).isEqualTo(settling.check("u", budget, 1.0));
            TokenOutcome kept = limiter.reserve("u", budget, 1.0, 5, 40); // reservations held, then released later
            settling.reserve("u", budget, 1.0, 5, 40);
            if (i % 4 == 0) {
                clock.advance(Duration.ofMillis(300));
                limiter.release("u", kept);
                settling.settle("u", kept, 0, 0);
            }
        }
        assertThat(limiter.check("u", budget, 1.0)).isEqualTo(settling.check("u", budget, 1.0));
    }

    @Test
    void chargesExactlyTheReportedUsageAndRemainingGoesDownAsItIsSpent() {
        TokenOutcome fresh = limiter.check("a", budget, 1.0);
        assertThat(fresh.allowed()).isTrue();
        assertThat(fresh.output().limit()).isEqualTo(1_000);
        assertThat(fresh.output().windowSeconds()).isEqualTo(60);
        assertThat(fresh.output().remaining()).isEqualTo(1_000);
        assertThat(fresh.input().remaining()).isEqualTo(10_000);

        TokenOutcome after = charge("a", budget, 1.0, 1_234, 321);
        assertThat(after.output().remaining()).isEqualTo(679);
        assertThat(after.input().remaining()).isEqualTo(8_766);
        assertThat(after.output().resetSeconds()).isBetween(1L, 60L);
        assertThat(limiter.check("a", budget, 1.0).output().remaining()).as("check consumes nothing").isEqualTo(679);
    }

    @Test
    void aResponseThatCrossesTheBudgetIsChargedInFullAndTheNextRequestIsRefusedUntilTheDebtRefills() {
        TokenOutcome crossed = charge("b", budget, 1.0, 10, 1_500); // 500 tokens of debt
        assertThat(crossed.allowed()).isFalse();
        assertThat(crossed.output().remaining()).isZero();
        // 500 debt + 1 token at 1 000 tokens / minute: about 30 s
        assertThat(crossed.retryAfterSeconds()).isBetween(30L, 31L);
        assertThat(limiter.check("b", budget, 1.0).allowed()).isFalse();

        clock.advance(Duration.ofSeconds(29));
        assertThat(limiter.check("b", budget, 1.0).allowed()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.check("b", budget, 1.0).allowed()).isTrue();
    }

    @Test
    void theDayBudgetBindsOnceTheMinuteOneHasRefilled() {
        for (int i = 0; i < 20; i++) {
            charge("c", budget, 1.0, 0, 1_000);
            clock.advance(Duration.ofMinutes(1));
        }
        // the minute budget is full again; the day budget has about 20 minutes of refill (~278) left
        TokenOutcome o = limiter.check("c", budget, 1.0);
        assertThat(o.output().windowSeconds()).isEqualTo(86_400);
        assertThat(o.output().limit()).isEqualTo(20_000);
        assertThat(o.output().remaining()).isBetween(250L, 300L);
        charge("c", budget, 1.0, 0, 300);
        assertThat(limiter.check("c", budget, 1.0).allowed()).isFalse();
    }

    @Test
    void aRiskFactorMakesEachTokenCostMore() {
        TokenOutcome o = charge("d", budget, 0.25, 0, 100);
        assertThat(o.output().remaining()).as("400 of 1000 charged, 600 left = 150 at a quarter").isEqualTo(150);
        assertThat(limiter.check("d", budget, 1.0).output().remaining()).isEqualTo(600);
        assertThat(TokenLimiter.cost(3, 0.5)).isEqualTo(6);
        assertThat(TokenLimiter.cost(0, 0.5)).isZero();
    }

    @Test
    void theCombinedStateReportsTheMoreRestrictiveDirection() {
        TokenOutcome o = charge("e", budget, 1.0, 1_000, 800);
        assertThat(o.binding()).isSameAs(o.output());
        TokenOutcome inputOnly = limiter.check("f", new TokenBudget(0, 5_000, 0, 0), 1.0);
        assertThat(inputOnly.output().isUnlimited()).isTrue();
        assertThat(inputOnly.binding().limit()).isEqualTo(5_000);
    }

    @Test
    void aPolicyChangeReconfiguresExistingBucketsAndATierWithoutBudgetIsNeverRefused() {
        charge("g", budget, 1.0, 0, 5_000);
        assertThat(limiter.check("g", budget, 1.0).allowed()).isFalse();
        TokenBudget raised = new TokenBudget(0, 0, 100_000, 1_000_000);
        assertThat(limiter.check("g", raised, 1.0).output().limit()).isEqualTo(100_000);

        assertThat(charge("h", TokenBudget.NONE, 1.0, 1_000_000, 1_000_000).allowed()).isTrue();
        assertThat(limiter.check("h", TokenBudget.NONE, 1.0)).isSameAs(TokenOutcome.UNLIMITED);
    }
}
