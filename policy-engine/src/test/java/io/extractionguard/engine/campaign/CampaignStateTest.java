package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;


import io.extractionguard.engine.correlation.CampaignCorrelator;
import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.memory.InMemoryCampaignStore;

/** The bounded structures campaign state is made of. */
class CampaignStateTest {

    private static byte[] sketch(long... elements) {
        return new PromptSketch.Sketcher().sketch(elements, elements.length);
    }

    private static long[] range(long from, int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + i * 0x9E3779B97F4A7C15L;
        }
        return v;
    }

    @Test
    void accountSampleKeepsTheSmallestHashesAndEstimatesHowManyAccountsThereWere() {
        AccountSample sample = new AccountSample(32);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20; i++) {
            sample.put(random.nextLong(), 0.5f);
        }
        assertThat(sample.distinct()).isEqualTo(20);
        for (int i = 0; i < 20_000; i++) {
            sample.put(random.nextLong(), 0f);
        }
        assertThat(sample.size()).isEqualTo(32);
        assertThat(sample.distinct()).isCloseTo(20_020, within(20_020 * 0.35));
        for (int i = 1; i < sample.size(); i++) {
            assertThat(sample.hash(i)).isGreaterThan(sample.hash(i - 1));
        }
    }

    @Test
    void accountSampleUpdatesAnAccountInPlaceAndReportsWhoItPushedOut() {
        AccountSample sample = new AccountSample(2);
        sample.put(5, 0.1f);
        sample.put(9, 0.9f);
        assertThat(sample.put(5, 0.7f)).isEqualTo(0);
        assertThat(sample.value(0)).isEqualTo(0.7f);
        assertThat(sample.put(1, 0.3f)).isEqualTo(0);
        assertThat(sample.lastEvicted()).isEqualTo(0.9f);
        assertThat(sample.put(100, 0.3f)).isEqualTo(-1);
        assertThat(sample.lastEvicted()).isNaN();
    }

    @Test
    void templateBucketCountsOtherAccountsAndHeatButNeverTheRequestItself() {
        TemplateBucket bucket = new TemplateBucket();
        byte[] template = sketch(range(1, 40));
        assertThat(bucket.apply(1, template, 0.25, 1.0, 0)).isEqualTo(TemplateStats.EMPTY);
        TemplateStats second = bucket.apply(2, template, 0.25, 1.0, 1000);
        assertThat(second.otherAccounts()).isEqualTo(1);
        assertThat(second.heat()).isCloseTo(1.0 / (1 + TemplateBucket.HEAT_PRIOR), within(1e-4));
        TemplateStats again = bucket.apply(2, template, 0.25, 0.0, 2000);
        assertThat(again.otherAccounts()).as("the viewer is not one of the others").isEqualTo(1);
    }

    @Test
    void templateBucketIgnoresPromptsThatOnlyCollideByChance() {
        TemplateBucket bucket = new TemplateBucket();
        byte[] template = sketch(range(1, 40));
        byte[] unrelated = sketch(range(1_000_000, 40));
        assertThat(PromptSketch.similarity(template, unrelated)).isLessThan(0.25);
        bucket.apply(1, template, 0.25, 1.0, 0);
        bucket.apply(2, template, 0.25, 1.0, 0);
        assertThat(bucket.apply(3, unrelated, 0.25, 1.0, 0)).isEqualTo(TemplateStats.EMPTY);
        assertThat(bucket.stats(4, 0).otherAccounts()).isEqualTo(2);
    }

    @Test
    void aStrayFirstPromptThatNothingMatchesGivesTheBucketUp() {
        TemplateBucket bucket = new TemplateBucket();
        bucket.apply(1, sketch(range(1_000_000, 40)), 0.25, 0.0, 0);
        byte[] template = sketch(range(1, 40));
        bucket.apply(2, template, 0.25, 1.0, 0);
        TemplateStats third = bucket.apply(3, template, 0.25, 1.0, 0);
        assertThat(third.otherAccounts()).as("only the template's sender counts").isEqualTo(1);
    }

    @Test
    void indicatorRecordReportsTheOtherAccountsOnly() {
        IndicatorRecord value = new IndicatorRecord();
        value.apply(IndicatorKind.PAYMENT, 11, 0.9f);
        value.apply(IndicatorKind.PAYMENT, 12, 0.8f);
        IndicatorEvidence seen = value.apply(IndicatorKind.PAYMENT, 13, 0.1f);
        assertThat(seen.otherMembers()).isEqualTo(2);
        assertThat(seen.otherSuspicion()).isCloseTo(1.7, within(1e-6));
        IndicatorEvidence afterUpdate = value.apply(IndicatorKind.PAYMENT, 11, 0.2f); // 11 calms down
        assertThat(afterUpdate.otherSuspicion()).isCloseTo(0.9, within(1e-6));
        assertThat(value.apply(IndicatorKind.PAYMENT, 13, 0.1f).otherSuspicion()).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void indicatorRecordAsksForItsRarityOnceUntilItIsPublished() {
        IndicatorRecord value = new IndicatorRecord();
        assertThat(value.apply(IndicatorKind.NETWORK, 1, 0f).changed()).isTrue();
        assertThat(value.apply(IndicatorKind.NETWORK, 2, 0f).changed()).isFalse();
        assertThat(value.apply(IndicatorKind.NETWORK, 2, 0f).rarity()).isNaN();
        value.publishRarity(0.4f);
        assertThat(value.apply(IndicatorKind.NETWORK, 2, 0f).changed()).as("no new account").isFalse();
        IndicatorEvidence next = value.apply(IndicatorKind.NETWORK, 3, 0f);
        assertThat(next.changed()).isTrue();
        assertThat(next.rarity()).isEqualTo(0.4f);
    }

    @Test
    void rarityIsInverseDocumentFrequencyAgainstAtLeastAThousandAccounts() {
        assertThat(CampaignCorrelator.rarity(1, 1_000_000)).isEqualTo(1f);
        assertThat(CampaignCorrelator.rarity(20, 1_000_000)).isCloseTo(0.783f, within(0.001f));
        assertThat(CampaignCorrelator.rarity(100_000, 1_000_000)).isCloseTo(0.167f, within(0.001f));
        assertThat(CampaignCorrelator.rarity(10, 50)).as("a small population counts as 1000")
                .isEqualTo(CampaignCorrelator.rarity(10, 1000));
    }

    @Test
    void correlatorPublishesPopulationAndTheRarityOfValuesThatGainedAccounts() {
        InMemoryCampaignStore store = new InMemoryCampaignStore(java.time.Clock.systemUTC());
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = 42;
        for (int a = 1; a <= 20; a++) {
            store.observeIndicators(a * 0x9E3779B97F4A7C15L, values, 0, 3_600_000, 0);
        }
        CorrelationReport report = new CampaignCorrelator(store).run(0);
        assertThat(report.valuesUpdated()).isEqualTo(1);
        assertThat(store.population()).isEqualTo(CampaignCorrelator.MIN_POPULATION);
        IndicatorEvidence seen = store.observeIndicators(0x9E3779B97F4A7C15L, values, 0, 3_600_000, 0)[IndicatorKind.PAYMENT.ordinal()];
        assertThat(seen.rarity()).isEqualTo(CampaignCorrelator.rarity(20, 1000));
        assertThat(new CampaignCorrelator(store).run(1).valuesUpdated()).as("nothing changed since").isZero();
    }

    @Test
    void accountLinksWeighTheCurrentRequestLikeThePriorAndSpotRegularCadenceAndRotation() {
        AccountLinks links = new AccountLinks();
        AccountRules rules = new AccountRules(4, 0.2, 4);
        AccountState first = links.apply(new AccountObservation(0, 1.0, 1.0, 1, 1), rules);
        assertThat(first.templateStrength()).as("a fresh account's templated first request").isEqualTo(1.0);
        AccountState state = first;
        for (int i = 1; i <= 20; i++) {
            state = links.apply(new AccountObservation(i * 60_000L, 0.0, 0.0, i % 4 + 1, 1), rules);
        }
        assertThat(state.templateStrength()).isLessThan(0.1);
        assertThat(links.apply(new AccountObservation(21 * 60_000L, 1.0, 0.0, 1, 1), rules).templateStrength())
                .as("one hit after a long, varied history").isLessThan(0.3);
        assertThat(state.cadenceKey()).isEqualTo(Indicators.cadence(60_000));
        assertThat(state.distinctClients()).isEqualTo(4);
        assertThat(state.distinctNetworks()).isEqualTo(1);

        AccountLinks human = new AccountLinks();
        long t = 0;
        SplittableRandom random = new SplittableRandom(3);
        AccountState irregular = null;
        for (int i = 0; i < 20; i++) {
            t += (long) (-60_000 * Math.log(1 - random.nextDouble()));
            irregular = human.apply(new AccountObservation(t, 0, 0, 1, 1), rules);
        }
        assertThat(irregular.cadenceKey()).isZero();
    }

    @Test
    void peakSuspicionIsRememberedAndFades() {
        AccountLinks links = new AccountLinks();
        assertThat(links.peakSuspicion(0.8, 0, 3_600_000)).isEqualTo(0.8f);
        assertThat(links.peakSuspicion(0.1, 3_600_000, 3_600_000)).isCloseTo(0.4f, within(1e-6f));
        assertThat(links.peakSuspicion(0.9, 3_600_000, 3_600_000)).isEqualTo(0.9f);
    }

    @Test
    void networksAreSlash24sWhicheverWayTheAddressIsWritten() {
        assertThat(Indicators.dottedQuadPrefix("203.0.113.7")).isEqualTo((203L << 16) | (0 << 8) | 113);
        assertThat(Indicators.dottedQuadPrefix("203.0.113")).isEqualTo(-1);
        assertThat(Indicators.dottedQuadPrefix("203.0.113.256")).isEqualTo(-1);
        assertThat(Indicators.dottedQuadPrefix("::ffff:203.0.113.7")).isEqualTo(-1);
        CampaignSettings s = io.extractionguard.engine.support.Fixtures.policy("/policies/campaign-test.yaml").campaign();
        long a = network(s, "203.0.113.7");
        assertThat(network(s, "203.0.113.200")).isEqualTo(a);
        assertThat(network(s, "::ffff:203.0.113.9")).isEqualTo(a);
        assertThat(network(s, "203.0.114.7")).isNotEqualTo(a);
        assertThat(network(s, "2a02:1:2:3::1")).isEqualTo(network(s, "2a02:1:2:ffff::9")).isNotZero();
    }

    private static long network(CampaignSettings s, String ip) {
        var id = new io.extractionguard.engine.identity.ClientIdentity("a", io.extractionguard.engine.identity.ClientIdentity.Source.TRUSTED_HEADER,
                null, null, null, null, null, null, null, ip, 0);
        var f = new io.extractionguard.engine.features.RequestFeatures(null, 0, 0, false, -1, 0, 0, false);
        return Indicators.extract(s, id, f).value(IndicatorKind.NETWORK);
    }
}
