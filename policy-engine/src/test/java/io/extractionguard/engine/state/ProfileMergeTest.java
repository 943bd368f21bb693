package io.extractionguard.engine.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.support.Fixtures;

/** Profiles as the unit of replication: changes recorded on one replica, merged on others in any order. */
class ProfileMergeTest {

    private final FeatureExtractor extractor = new FeatureExtractor(
            Map.of(CapabilityArea.CODING, List.of("python", "function")), List.of("show your full reasoning"), 1);

    private Observation observation(long at, int i) {
        String text = i % 3 == 0
                ? "Implement the python function and show your full reasoning. Task " + i + " about integer " + (i * 31)
                : "an ordinary question number " + i + " about " + (i % 2 == 0 ? "gardening" : "cooking pasta");
        RequestFeatures f = extractor.extract(Fixtures.prompt(text));
        return new Observation(at, f, 0.5);
    }

    /** Equal up to the codec's 32-bit counters (relative 1e-6). */
    private static void close(double actual, double expected) {
        assertThat(actual).isCloseTo(expected, within(1e-9 + 1e-6 * Math.abs(expected)));
    }

    /** Stats that compare equal when two profiles hold the same information. */
    private static void assertSameStats(AccountProfile a, AccountProfile b, long now) {
        ProfileStats x = a.stats(now, 4);
        ProfileStats y = b.stats(now, 4);
        assertThat(y.totalRequests()).isEqualTo(x.totalRequests());
        close(y.recentRequests(), x.recentRequests());
        close(y.templatedShare(), x.templatedShare());
        close(y.cotShare(), x.cotShare());
        close(y.capabilityShare(), x.capabilityShare());
        close(y.dominantAreaShare(), x.dominantAreaShare());
        close(y.meanRequestedTokens(), x.meanRequestedTokens());
        close(y.meanOutputTokens(), x.meanOutputTokens());
        close(y.requestsLastMinute(), x.requestsLastMinute());
        close(y.requestsLastHour(), x.requestsLastHour());
        if (Double.isNaN(x.timingCv())) {
            assertThat(y.timingCv()).isNaN();
        } else {
            close(y.timingCv(), x.timingCv());
        }
        assertThat(y.firstSeenMillis()).isEqualTo(x.firstSeenMillis());
    }

    @Test
    void changesRecordedOnTheSideMergeIntoTheSameProfileInAnyOrder() {
        AccountProfile view = new AccountProfile();
        AccountProfile even = new AccountProfile();
        AccountProfile odd = new AccountProfile();
        long t = 1_700_000_000_000L;
        for (int i = 0; i < 40; i++) {
            t += 700 + (i * 977L % 5000);
            view.apply(observation(t, i), 4, i % 2 == 0 ? even : odd);
            if (i % 5 == 0) {
                view.addUsage(t + 300, 120, 2000 + i, i % 2 == 0 ? even : odd);
            }
        }
        AccountProfile evenThenOdd = new AccountProfile();
        evenThenOdd.merge(even);
        evenThenOdd.merge(odd);
        AccountProfile oddThenEven = new AccountProfile();
        oddThenEven.merge(odd);
        oddThenEven.merge(even);

        assertSameStats(view, evenThenOdd, t + 1000);
        assertSameStats(view, oddThenEven, t + 1000);
        assertThat(ProfileCodec.encode(oddThenEven)).hasSameSizeAs(ProfileCodec.encode(view));
    }

    @Test
    void lateChangesFromAnotherReplicaCountWithTheWeightTheyWouldHaveHad() {
        // replica A saw requests at minute 0..9, replica B at minute 5..14; B's changes reach A last
        AccountProfile a = new AccountProfile();
        AccountProfile b = new AccountProfile();
        AccountProfile all = new AccountProfile();
        long base = 1_000_000L;
        for (int i = 0; i < 10; i++) {
            a.apply(observation(base + i * 60_000L, i), 0);
            all.apply(observation(base + i * 60_000L, i), 0);
        }
        for (int i = 5; i < 15; i++) {
            b.apply(observation(base + i * 60_000L + 1, 100 + i), 0);
            all.apply(observation(base + i * 60_000L + 1, 100 + i), 0);
        }
        a.merge(b);
        long now = base + 20 * 60_000L;
        close(a.stats(now, 0).requestsLastHour(), all.stats(now, 0).requestsLastHour());
        close(a.stats(now, 0).requestsLastMinute(), all.stats(now, 0).requestsLastMinute());
        assertThat(a.totalRequests()).isEqualTo(20);
        assertThat(a.lastSeenMillis()).isEqualTo(base + 14 * 60_000L + 1);
    }

    @Test
    void mergeKeepsTheMostRecentSketchesAndArrivalsOfBoth() {
        AccountProfile a = new AccountProfile();
        AccountProfile b = new AccountProfile();
        for (int i = 0; i < 20; i++) {
            (i % 2 == 0 ? a : b).apply(observation(i * 1000L, i), 0);
        }
        a.merge(b);
        AccountProfile c = a.copy();
        assertThat(c.sketchCount).isEqualTo(AccountProfile.SKETCH_HISTORY);
        assertThat(c.sketchAt).containsExactly(8000, 9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000,
                18000, 19000);
        assertThat(c.arrivalCount).isEqualTo(AccountProfile.ARRIVAL_HISTORY);
        assertThat(c.arrivals[0]).isEqualTo(4000);
        assertThat(c.arrivals[15]).isEqualTo(19000);
        // the ring goes on overwriting the oldest
        a.apply(observation(20_000, 20), 0);
        assertThat(a.copy().sketchAt[0]).isEqualTo(20_000);
    }

    @Test
    void mergingAnEmptyProfileChangesNothing() {
        AccountProfile a = new AccountProfile();
        for (int i = 0; i < 5; i++) {
            a.apply(observation(i * 1000L, i), 0);
        }
        byte[] before = ProfileCodec.encode(a);
        a.merge(new AccountProfile());
        assertThat(ProfileCodec.encode(a)).isEqualTo(before);
        assertThat(new AccountProfile().isEmpty()).isTrue();
        assertThat(a.isEmpty()).isFalse();
    }

    @Test
    void randomSplitsOfTheSameTrafficAgree() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            AccountProfile view = new AccountProfile();
            AccountProfile[] parts = {new AccountProfile(), new AccountProfile(), new AccountProfile()};
            long t = 0;
            int n = 1 + random.nextInt(60);
            for (int i = 0; i < n; i++) {
                t += random.nextInt(120_000);
                view.apply(observation(t, random.nextInt(1000)), 4, parts[random.nextInt(3)]);
            }
            AccountProfile merged = new AccountProfile();
            for (int k : new int[] {2, 0, 1}) {
                merged.merge(ProfileCodec.decode(ProfileCodec.encode(parts[k])));
            }
            assertSameStats(view, merged, t + random.nextInt(600_000));
        }
    }
}
