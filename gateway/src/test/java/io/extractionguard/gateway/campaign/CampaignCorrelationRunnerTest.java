package io.extractionguard.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.spi.CorrelationLeadership;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The correlation runner runs only where leadership allows, at most once per policy interval, and survives failures. */
class CampaignCorrelationRunnerTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-03-02T12:00:00Z"), ZoneOffset.UTC);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private GuardEngine engine() throws Exception {
        Policy policy = new PolicyLoader().load(java.nio.file.Path.of("..", "config", "policies", "default.yaml"));
        return GuardEngine.builder(() -> policy, clock).store(new InMemoryStateStore(clock))
                .limiter(new LocalRateLimiter(clock)).campaigns(new InMemoryCampaignStore(clock)).build();
    }

    private long runs() {
        return meters.find("guard.campaign.correlation").timer().count();
    }

    @Test
    void aReplicaThatDoesNotLeadNeverCorrelates() throws Exception {
        var runner = new CampaignCorrelationRunner(engine(), job -> false, Duration.ofMillis(100), meters);
        runner.tick();
        runner.tick();
        assertThat(runs()).isZero();
    }

    @Test
    void theLeaderCorrelatesOncePerIntervalOfTheEngineClock() throws Exception {
        var runner = new CampaignCorrelationRunner(engine(), CorrelationLeadership.SINGLE_NODE, Duration.ofMillis(100), meters);
        runner.tick();
        runner.tick(); // the fixed clock has not moved: the policy's 30 s interval has not passed
        assertThat(runs()).isEqualTo(1);
    }

    @Test
    void aFailingRunIsCountedAndTheNextTickStillRuns() throws Exception {
        boolean[] fail = {true};
        CorrelationLeadership flaky = job -> {
            if (fail[0]) {
                fail[0] = false;
                throw new IllegalStateException("lock service unavailable");
            }
            job.run();
            return true;
        };
        var runner = new CampaignCorrelationRunner(engine(), flaky, Duration.ofMillis(100), meters);
        runner.tick();
        runner.tick();
        assertThat(meters.find("guard.campaign.correlation.failures").counter().count()).isEqualTo(1);
        assertThat(runs()).isEqualTo(1);
    }
}
