package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;


import io.extractionguard.engine.correlation.CampaignCorrelator;
import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.SingleThreadedCampaignStore;
import io.extractionguard.engine.support.MutableClock;

class SingleThreadedCampaignStoreTest {

    private static final InMemoryCampaignStore.Settings SETTINGS =
            new InMemoryCampaignStore.Settings(10_000, 10_000, 10_000, Duration.ofMinutes(30));

    private static byte[] sketch(SplittableRandom random, int template) {
        long[] elements = new long[40];
        for (int i = 0; i < elements.length; i++) {
            // most shingles from the template, a few of the prompt's own: bucket matches and misses both happen
            elements[i] = random.nextInt(5) == 0 ? random.nextLong() : template * 1000L + i;
        }
        return new PromptSketch.Sketcher().sketch(elements, elements.length);
    }

    /**
     * The replay's campaign store must answer exactly as the Caffeine-backed store does below its
     * bounds: random template, account and indicator observations from a small population (so
     * buckets, samples and values are shared), with idle gaps long enough to expire entries, and
     * correlation runs in between (population, drained keys, published rarities).
     */
    @Test
    void answersLikeTheInMemoryStoreAcrossIdleExpiryAndCorrelation() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        InMemoryCampaignStore caffeine = new InMemoryCampaignStore(clock, SETTINGS);
        SingleThreadedCampaignStore plain = new SingleThreadedCampaignStore(clock, SETTINGS);
        CampaignCorrelator caffeineRuns = new CampaignCorrelator(caffeine);
        CampaignCorrelator plainRuns = new CampaignCorrelator(plain);
        SplittableRandom random = new SplittableRandom(3);
        AccountRules rules = new AccountRules(4, 0.2, 4);
        int templateHits = 0;
        int rarityReads = 0;
        int shrinkingPopulations = 0;
        double lastPopulation = 0;
        for (int step = 0; step < 30_000; step++) {
            clock.advance(Duration.ofMillis(random.nextInt(40) == 0 ? random.nextInt(3_600_000) : random.nextInt(20_000)));
            long now = clock.millis();
            long account = 1 + random.nextInt(300) * 0x9E3779B97F4A7C15L;

            long[] keys = new long[Indicators.BANDS];
            int template = random.nextInt(12);
            for (int b = 0; b < keys.length; b++) {
                keys[b] = template * 31L + b + (random.nextInt(6) == 0 ? random.nextInt(1000) * 977L : 0);
            }
            byte[] sketch = sketch(random, template);
            double content = random.nextDouble();
            TemplateStats[] expectedTemplates = caffeine.observeTemplates(account, keys, sketch, 0.5, content, 0.3, now);
            assertThat(plain.observeTemplates(account, keys, sketch, 0.5, content, 0.3, now))
                    .as("step %d templates", step).containsExactly(expectedTemplates);
            templateHits += (int) Arrays.stream(expectedTemplates).filter(t -> t != TemplateStats.EMPTY).count();

            AccountObservation o = new AccountObservation(now, random.nextDouble(), content,
                    1 + random.nextInt(5), 1 + random.nextInt(8));
            assertThat(plain.observeAccount(account, o, rules)).as("step %d account", step)
                    .isEqualTo(caffeine.observeAccount(account, o, rules));

            long[] values = new long[IndicatorKind.count()];
            for (int k = 0; k < values.length; k++) {
                values[k] = random.nextInt(3) == 0 ? 0 : 1 + k * 100L + random.nextInt(40);
            }
            double suspicion = random.nextDouble();
            IndicatorEvidence[] expected = caffeine.observeIndicators(account, values, suspicion, 3_600_000, now);
            assertThat(plain.observeIndicators(account, values, suspicion, 3_600_000, now))
                    .as("step %d indicators", step).containsExactly(expected);
            rarityReads += (int) Arrays.stream(expected).filter(e -> e != null && !Float.isNaN(e.rarity())).count();

            if (step % 97 == 0) {
                assertThat(plain.accountCount()).as("step %d accounts", step).isEqualTo(caffeine.accountCount());
                CorrelationReport a = caffeineRuns.run(now);
                assertThat(plainRuns.run(now)).as("step %d correlation", step).isEqualTo(a);
                assertThat(plain.population()).isEqualTo(caffeine.population());
                shrinkingPopulations += caffeine.accountCount() < lastPopulation ? 1 : 0;
                lastPopulation = caffeine.accountCount();
            }
        }
        assertThat(templateHits).as("buckets matched").isGreaterThan(1000);
        assertThat(rarityReads).as("published rarities read back").isGreaterThan(1000);
        assertThat(shrinkingPopulations).as("accounts expired between correlation runs").isGreaterThan(5);
    }

    @Test
    void staysWithinItsValueBoundByDroppingTheLeastRecentlyUsedValue() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        SingleThreadedCampaignStore store = new SingleThreadedCampaignStore(clock,
                new InMemoryCampaignStore.Settings(10_000, 100, 100, Duration.ofDays(3)));
        int payment = IndicatorKind.PAYMENT.ordinal();
        long[] busy = new long[IndicatorKind.count()];
        busy[payment] = 1;
        for (long v = 2; v <= 1000; v++) {
            clock.advance(Duration.ofSeconds(1));
            long[] values = new long[IndicatorKind.count()];
            values[payment] = v;
            store.observeIndicators(v, values, 0.5, 3_600_000, clock.millis());
            store.observeIndicators(v, busy, 0.5, 3_600_000, clock.millis()); // value 1 kept busy
        }
        long[] early = new long[IndicatorKind.count()];
        early[payment] = 2;
        assertThat(store.observeIndicators(5000, early, 0.5, 3_600_000, clock.millis())[payment].otherMembers())
                .as("an early value used once was dropped past the bound").isZero();
        assertThat(store.observeIndicators(5000, busy, 0.5, 3_600_000, clock.millis())[payment].otherMembers())
                .as("the busy value kept its accounts").isEqualTo(IndicatorRecord.SAMPLE);
    }
}
