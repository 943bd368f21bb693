package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.policy.PolicyLoader;

/**
 * The reputation step's newness on the shipped policy (2026-12-08.4): by age on the account's day content mean, or by
 * rotation on its recent content too. A young account's recent requests are all the history it has, so its recent
 * mean would only make the prior count less (policy 2026-12-08.3 read it for every account and degraded a 38-day-old
 * coder on the adaptive mix, seed 4); an aged account that starts rotating is judged on what it sends since.
 */
class ReputationChangeTest {

    private static final long NOW = 1_772_460_000_000L;
    private final StructureSettings st;

    ReputationChangeTest() throws Exception {
        st = new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml")).campaign().structure();
    }

    /** Standalone, templated, not conversing; day content mean 0.2 (below the ramp), recent content 0.8. */
    private static final AccountState SWITCHED = new AccountState(0.5, 0.2, 0, 8, 1, 8, 0, 0.95, 0.8);

    private double strength(int ageDays, double rotation) {
        return st.reputationDegrade(SWITCHED, NOW - Duration.ofDays(ageDays).toMillis(), NOW, 8192, 4000, 1, rotation);
    }

    @Test
    void anAccountNewByRotationIsJudgedOnItsRecentContentAndOneNewByAgeOnItsDayMean() {
        assertThat(strength(120, 1.0)).as("aged, rotating through 6+ networks").isGreaterThan(st.reputation().at());
        assertThat(strength(120, 0.67)).as("aged, at most 5 networks among 8").isZero();
        assertThat(strength(20, 0)).as("young, steady: the day mean is below the content ramp").isZero();
        assertThat(strength(20, 1.0)).isGreaterThan(st.reputation().at());
        AccountState dayHigh = new AccountState(0.5, 0.6, 0, 8, 1, 1, 0, 0.95, 0.6);
        assertThat(st.reputationDegrade(dayHigh, NOW - Duration.ofDays(20).toMillis(), NOW, 8192, 4000, 1, 0))
                .as("young, harvesting by its day mean").isGreaterThan(st.reputation().at());
        assertThat(st.reputationDegrade(dayHigh, NOW - Duration.ofDays(20).toMillis(), NOW, 1024, 4000, 1, 1))
                .as("a short answer is no harvest").isZero();
    }
}
