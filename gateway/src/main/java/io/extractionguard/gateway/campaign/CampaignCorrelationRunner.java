package io.extractionguard.gateway.campaign;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.extractionguard.engine.spi.CorrelationLeadership;
import io.extractionguard.engine.campaign.CorrelationReport;
import io.extractionguard.engine.decision.GuardEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Runs the engine's periodic campaign correlation on one dedicated daemon thread, never on an event
 * loop. Every {@code tick} it asks {@link CorrelationLeadership} whether this replica may run, and
 * if so runs {@link GuardEngine#correlateIfDue()}, which does the work only when the policy's
 * {@code campaign.correlation-interval} has passed. A failing run is logged and counted; the next
 * tick tries again.
 *
 * <p>Meters: {@code guard.campaign.correlation} (timer of runs), {@code guard.campaign.correlation.failures},
 * {@code guard.campaign.values.updated}, {@code guard.campaign.population} (accounts rarity is measured against).
 */
public final class CampaignCorrelationRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CampaignCorrelationRunner.class);

    private final GuardEngine engine;
    private final CorrelationLeadership leadership;
    private final Duration tick;
    private final MeterRegistry meters;
    private final Timer runs;
    private final Counter failures;
    private final Counter valuesUpdated;
    private final AtomicLong population = new AtomicLong();
    private ScheduledExecutorService scheduler;

    public CampaignCorrelationRunner(GuardEngine engine, CorrelationLeadership leadership, Duration tick,
                                     MeterRegistry meters) {
        this.meters = meters;
        if (tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("guard.campaign.correlation-tick must be positive, was " + tick);
        }
        this.engine = engine;
        this.leadership = leadership;
        this.tick = tick;
        this.runs = Timer.builder("guard.campaign.correlation")
                .description("Campaign correlation runs on this replica").register(meters);
        this.failures = Counter.builder("guard.campaign.correlation.failures")
                .description("Campaign correlation runs that failed").register(meters);
        this.valuesUpdated = Counter.builder("guard.campaign.values.updated")
                .description("Indicator values whose rarity a correlation run recomputed").register(meters);
        Gauge.builder("guard.campaign.population", population, AtomicLong::get)
                .description("Active accounts campaign rarity is measured against").register(meters);
    }

    /** One tick: correlate if this replica leads and the interval has passed. */
    void tick() {
        try {
            leadership.runIfLeader(() -> {
                Timer.Sample sample = Timer.start(meters);
                CorrelationReport report = engine.correlateIfDue();
                if (report != null) {
                    long nanos = sample.stop(runs);
                    valuesUpdated.increment(report.valuesUpdated());
                    population.set(Math.round(report.population()));
                    log.debug("campaign correlation: {} values updated, population {}, {} ms", report.valuesUpdated(),
                            Math.round(report.population()), nanos / 1_000_000);
                }
            });
        } catch (RuntimeException e) {
            failures.increment();
            log.warn("campaign correlation failed; retrying on the next tick", e);
        }
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "campaign-correlator");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
