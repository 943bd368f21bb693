package io.extractionguard.engine.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.support.Fixtures;

class AccountProfileTest {

    private final FeatureExtractor extractor = new FeatureExtractor(
            Map.of(CapabilityArea.CODING, List.of("python", "function")), List.of("show your full reasoning"), 1);
    private final AccountProfile profile = new AccountProfile();

    private ProfileStats observe(long atMillis, String text) {
        RequestFeatures f = extractor.extract(Fixtures.prompt(text));
        return profile.apply(new Observation(atMillis, f, 0.5), 0);
    }

    @Test
    void templatedShareGrowsWhenPromptsReuseATemplate() {
        ProfileStats s = null;
        for (int i = 0; i < 10; i++) {
            s = observe(i * 1000L, "As an expert, solve this and show your full reasoning in detail. Problem number "
                    + i + " concerns the integer " + (i * 37));
        }
        assertThat(s.templatedShare()).isGreaterThan(0.8);
        assertThat(s.cotShare()).isEqualTo(1.0);
        assertThat(s.lastSimilarity()).isGreaterThan(0.5);
        assertThat(s.totalRequests()).isEqualTo(10);
    }

    @Test
    void diversePromptsAreNotTemplated() {
        String[] prompts = {"how do I bake sourdough bread at home", "what is the capital of mongolia",
                "write a haiku about autumn rain", "recommend a sci-fi novel like dune",
                "explain how vaccines train the immune system", "why is the sky blue during the day"};
        ProfileStats s = null;
        for (int i = 0; i < prompts.length; i++) {
            s = observe(i * 60_000L, prompts[i]);
        }
        assertThat(s.templatedShare()).isZero();
    }

    @Test
    void evidencePriorShrinksSharesOfSmallSamples() {
        RequestFeatures f = extractor.extract(Fixtures.prompt("show your full reasoning"));
        ProfileStats one = profile.apply(new Observation(0, f, 0.5), 4);
        assertThat(one.cotShare()).isEqualTo(1.0 / 5.0);
    }

    @Test
    void rateCountersDecayWithTheirHorizon() {
        for (int i = 0; i < 30; i++) {
            observe(i * 1000L, "plain question " + i);
        }
        ProfileStats now = profile.stats(30_000, 0);
        ProfileStats tenMinutesLater = profile.stats(630_000, 0);
        assertThat(now.requestsLastMinute()).isBetween(18.0, 30.0);
        assertThat(tenMinutesLater.requestsLastMinute()).isLessThan(0.01);
        assertThat(tenMinutesLater.requestsLastHour()).isBetween(24.0, 30.0);
    }

    @Test
    void regularArrivalsHaveLowTimingVariationAndBurstyOnesHigh() {
        for (int i = 0; i < 16; i++) {
            observe(i * 5_000L, "q" + i);
        }
        assertThat(profile.stats(80_000, 0).timingCv()).isLessThan(0.01);

        AccountProfile human = new AccountProfile();
        long[] times = {0, 2_000, 3_000, 600_000, 601_000, 605_000, 3_600_000, 3_602_000, 3_700_000, 9_000_000};
        for (long t : times) {
            human.apply(new Observation(t, extractor.extract(Fixtures.prompt("hi " + t)), 0.5), 0);
        }
        assertThat(human.stats(9_000_000, 0).timingCv()).isGreaterThan(1.0);
    }

    @Test
    void lateObservationsFromAnotherReplicaCountWithTheirDecayedWeight() {
        observe(3_600_000, "now");
        ProfileStats before = profile.stats(3_600_000, 0);
        observe(0, "an hour ago"); // arrives late
        ProfileStats after = profile.stats(3_600_000, 0);
        assertThat(after.recentRequests() - before.recentRequests())
                .isCloseTo(Math.exp(-1.0 / 24.0), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(after.firstSeenMillis()).isZero();
    }

    @Test
    void memoryIsBoundedWhateverTheTraffic() {
        for (int i = 0; i < 5_000; i++) {
            observe(i * 100L, "unique prompt number " + i + " about topic " + (i % 97));
        }
        // the ring buffers do not grow: only the last SKETCH_HISTORY prompts are compared
        assertThat(profile.totalRequests()).isEqualTo(5_000);
        assertThat(AccountProfile.SKETCH_HISTORY).isEqualTo(12);
    }

    @Test
    void usageIsAveragedPerRequest() {
        observe(0, "a");
        observe(1000, "b");
        profile.addUsage(1000, 100, 3000);
        profile.addUsage(1000, 100, 1000);
        assertThat(profile.stats(1000, 0).meanOutputTokens()).isCloseTo(2000, org.assertj.core.data.Offset.offset(1.0));
    }

    @Test
    void areaFractionsCountRequestsPerAreaUnshrunkAndSurviveAMerge() {
        observe(0, "write a python function that sorts");
        observe(1000, "another python function please");
        observe(2000, "what is the capital of mongolia");
        observe(3000, "and of peru");
        ProfileStats s = profile.stats(3000, 4);
        // recent requests weigh slightly more (one-day decay): half, to within seconds of decay
        assertThat(s.areaFractions().of(CapabilityArea.CODING)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(s.areaFractions().of(CapabilityArea.REASONING)).isZero();
        AccountProfile elsewhere = new AccountProfile();
        elsewhere.merge(profile);
        AreaShares merged = elsewhere.stats(3000, 4).areaFractions();
        for (CapabilityArea area : CapabilityArea.values()) {
            assertThat(merged.of(area)).isCloseTo(s.areaFractions().of(area), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    private RequestFeatures turn(String text, long historyChars) {
        return extractor.extract(new io.extractionguard.engine.request.InferenceRequest(
                io.extractionguard.engine.request.ApiFormat.ANTHROPIC_MESSAGES, "m", "", text, historyChars,
                historyChars == 0 ? 1 : 3, List.of(), 8192, false, Double.NaN));
    }

    @Test
    void standaloneShareCountsRequestsWithoutEarlierTurnsUnshrunkByThePrior() {
        ProfileStats s = null;
        for (int i = 0; i < 8; i++) {
            s = profile.apply(new Observation(i * 60_000L, turn("question " + i, i % 4 == 3 ? 500 : 0), 0.5), 4);
        }
        // 6 of 8 stood alone; the prior of 4 that shrinks the other shares does not apply to this one
        assertThat(s.standaloneShare()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(0.01));
        assertThat(new AccountProfile().stats(0, 4).standaloneShare()).isZero();
    }

    @Test
    void standaloneShareMergesAcrossReplicasLikeTheOtherCounters() {
        AccountProfile a = new AccountProfile();
        AccountProfile b = new AccountProfile();
        AccountProfile changes = new AccountProfile();
        for (int i = 0; i < 4; i++) {
            a.apply(new Observation(i * 1000L, turn("alone " + i, 0), 0.5), 4);
            b.apply(new Observation(i * 1000L + 500, turn("follow-up " + i, 900), 0.5), 4, changes);
        }
        a.merge(changes);
        assertThat(a.stats(4000, 4).standaloneShare()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(a.totalRequests()).isEqualTo(8);
    }
}
