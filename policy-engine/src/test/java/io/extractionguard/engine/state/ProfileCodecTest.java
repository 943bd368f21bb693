package io.extractionguard.engine.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.support.Fixtures;

class ProfileCodecTest {

    private final FeatureExtractor extractor = new FeatureExtractor(
            Map.of(CapabilityArea.CODING, List.of("python")), List.of("show your full reasoning"), 1);

    private AccountProfile profileWith(int requests) {
        AccountProfile p = new AccountProfile();
        long t = 1_764_000_000_000L;
        for (int i = 0; i < requests; i++) {
            t += 1500 + i * 13L;
            p.apply(new Observation(t, extractor.extract(Fixtures.prompt(
                    "write python code and show your full reasoning for puzzle " + i)), 0.5), 4);
            p.addUsage(t + 200, 50, 900);
        }
        return p;
    }

    @Test
    void roundTripPreservesEveryFieldUpToFloatCounters() {
        AccountProfile p = profileWith(30);
        byte[] bytes = ProfileCodec.encode(p);
        AccountProfile back = ProfileCodec.decode(bytes);
        assertThat(ProfileCodec.encode(back)).isEqualTo(bytes);
        long now = p.lastSeenMillis() + 10_000;
        ProfileStats a = p.stats(now, 4);
        ProfileStats b = back.stats(now, 4);
        assertThat(b.totalRequests()).isEqualTo(a.totalRequests());
        assertThat(b.firstSeenMillis()).isEqualTo(a.firstSeenMillis());
        assertThat(b.timingCv()).isEqualTo(a.timingCv());
        assertThat(b.timingSamples()).isEqualTo(a.timingSamples());
        assertThat(b.cotShare()).isCloseTo(a.cotShare(), within(1e-6));
        assertThat(b.templatedShare()).isCloseTo(a.templatedShare(), within(1e-6));
        assertThat(b.meanRequestedTokens()).isCloseTo(a.meanRequestedTokens(), within(1e-3));
        assertThat(b.meanOutputTokens()).isCloseTo(a.meanOutputTokens(), within(1e-3));
        assertThat(b.requestsLastHour()).isCloseTo(a.requestsLastHour(), within(1e-5));
    }

    /**
     * 506 bytes is the largest string Redis keeps in a 512-byte allocation; this profile (every request standalone,
     * so every counter but tools and three areas set) took 506 until the standalone counter (2026-11-28) added 4 and
     * the sketch version (2026-12-07) 1.
     */
    @Test
    void aFullProfileTakesAboutFiveHundredBytesAndASingleChangeIsSmall() {
        assertThat(ProfileCodec.encode(profileWith(500)).length).isLessThanOrEqualTo(511);
        AccountProfile view = new AccountProfile();
        AccountProfile change = new AccountProfile();
        view.apply(new Observation(1_764_000_000_000L, extractor.extract(Fixtures.prompt("hello there python")), 0.5),
                4, change);
        assertThat(ProfileCodec.encode(change).length).isLessThan(100);
    }

    @Test
    void emptyProfileRoundTrips() {
        AccountProfile back = ProfileCodec.decode(ProfileCodec.encode(new AccountProfile()));
        assertThat(back.isEmpty()).isTrue();
        assertThat(ProfileCodec.encode(new AccountProfile())).hasSize(5);
    }

    @Test
    void corruptOrForeignBytesAreRejectedWithAMessage() {
        byte[] good = ProfileCodec.encode(profileWith(5));
        assertThatThrownBy(() -> ProfileCodec.decode(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("account profile encoding is corrupt at byte");
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> ProfileCodec.decode(trailing)).hasMessageContaining("1 unexpected trailing bytes");
        byte[] version = good.clone();
        version[0] = 9;
        assertThatThrownBy(() -> ProfileCodec.decode(version))
                .hasMessageContaining("unsupported format version 9 (this build reads 1 and 2)");
        assertThatThrownBy(() -> ProfileCodec.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProfileCodec.decode(new byte[] {1, 0, 15 << 2, 0}))
                .hasMessageContaining("15 sketches, at most 12");
        assertThatThrownBy(() -> ProfileCodec.decode(new byte[] {1, 0, (byte) 0x80, 0}))
                .hasMessageContaining("unknown flags 128");
    }

    @Test
    void verdictsRoundTripAndRejectCorruptBytes() {
        Verdict v = new Verdict(Verdict.Kind.CHALLENGE, Instant.ofEpochMilli(1_764_000_123_456L), "band/challenge",
                List.of("cot-elicitation", "prompt-template-reuse"), "auto: score 61 — über");
        byte[] bytes = VerdictCodec.encode(v);
        assertThat(VerdictCodec.decode(bytes)).isEqualTo(v);
        assertThat(bytes.length).isLessThan(100);
        assertThatThrownBy(() -> VerdictCodec.decode(Arrays.copyOf(bytes, 12)))
                .hasMessageStartingWith("verdict encoding is corrupt");
        byte[] kind = bytes.clone();
        kind[1] = 7;
        assertThatThrownBy(() -> VerdictCodec.decode(kind)).hasMessageContaining("unknown verdict kind 7");
    }

    /**
     * Written by the build before the standalone counter existed (3 requests of 8000 tokens, each with
     * usage): stores on Redis hold such blobs when the new build starts, and must keep reading them.
     */
    private static final String BEFORE_STANDALONE_COUNTER = "01030fd09fd5e9d666dff1013fbfc56c403cd561403fddc63fffe91a"
            + "403fddc6403fddc6403fddc6403fddc646bb5e934528a2044315e5598fd60e8f038fd60e3c064ab84cf0305a883bdcb6fd69b9ac9d3b"
            + "b891f7c190a5236596d27467e77bc0a9075ba642b84cf0305b863bdcb6fd69b9339d3bd891f7c190a5236796d37c67577bc0a9075c6"
            + "642b86cf0305a863b9cb6fd69b5a69d3bd891f7c190a5236596d77c67e77b038fd60ec0a907c0a907";

    @Test
    void aProfileStoredBeforeTheStandaloneCounterStillDecodesAndReadsAsNoStandaloneEvidence() {
        AccountProfile old = ProfileCodec.decode(java.util.HexFormat.of().parseHex(BEFORE_STANDALONE_COUNTER));
        ProfileStats s = old.stats(1_764_000_180_000L, 4);
        assertThat(s.totalRequests()).isEqualTo(3);
        assertThat(s.recentRequests()).isCloseTo(2.998, within(1e-3));
        assertThat(s.cotShare()).isCloseTo(0.4284, within(1e-4));
        assertThat(s.meanRequestedTokens()).isCloseTo(8000, within(1e-2));
        assertThat(s.meanOutputTokens()).isCloseTo(900, within(1e-2));
        assertThat(s.timingSamples()).isEqualTo(2);
        assertThat(s.standaloneShare()).isZero();
        // and it keeps counting: a standalone request after the upgrade is recorded and survives the codec
        old.apply(new Observation(1_764_000_240_000L, extractor.extract(Fixtures.prompt("one more python question")), 0.5), 4);
        AccountProfile back = ProfileCodec.decode(ProfileCodec.encode(old));
        assertThat(back.stats(1_764_000_240_000L, 4).standaloneShare()).isCloseTo(0.25, within(1e-3));
    }

    @Test
    void countersANewerBuildAddedAreSkippedAndReportedNotRejected() {
        int known = AccountProfile.DAY_COUNTERS + 2;
        long decayedAt = 1_764_000_000_000L;
        byte[] newer = new Bytes.Writer(64)
                .u8(ProfileCodec.VERSION).u8(PromptSketch.VERSION).varlong(7).u8(1) // 7 requests, counters present, no sketches
                .zigzag(decayedAt)
                .varlong(1L | 1L << known) // the minute counter, and one this build does not know
                .f32(2.5f).f32(9f)
                .u8(0) // no arrivals
                .toByteArray();
        ProfileCodec.Read read = ProfileCodec.read(newer);
        assertThat(read.complete()).as("a newer build's counter was skipped").isFalse();
        assertThat(read.profile().total).isEqualTo(7);
        assertThat(read.profile().minute).isEqualTo(2.5);
        assertThat(ProfileCodec.read(ProfileCodec.encode(profileWith(3))).complete()).isTrue();

        byte[] negative = new Bytes.Writer(64).u8(ProfileCodec.VERSION).u8(PromptSketch.VERSION).varlong(1).u8(1).zigzag(decayedAt)
                .varlong(1L << known).f32(-1f).u8(0).toByteArray();
        assertThatThrownBy(() -> ProfileCodec.read(negative)).hasMessageContaining("counter " + known + " is -1.0");
    }

    @Test
    void sketchesOfAnotherSketchVersionAreDroppedNeverComparedAndTheRestIsKept() {
        // a format-1 record (before sketch versions): its 3 sketches are SuperMinHash, sketch version 1
        AccountProfile old = ProfileCodec.decode(java.util.HexFormat.of().parseHex(BEFORE_STANDALONE_COUNTER));
        assertThat(old.sketchCount).as("version-1 sketches dropped").isZero();
        assertThat(old.stats(1_764_000_180_000L, 4).totalRequests()).as("the rest kept").isEqualTo(3);

        long t = 1_764_000_000_000L;
        AccountProfile p = profileWith(5);
        byte[] blob = ProfileCodec.encode(p);
        assertThat(blob[1]).as("the sketch version, written explicitly").isEqualTo((byte) PromptSketch.VERSION);
        RequestFeatures same = extractor.extract(Fixtures.prompt("write python code and show your full reasoning for puzzle 4"));
        assertThat(ProfileCodec.decode(blob).apply(new Observation(t + 60_000, same, 0.5), 4).lastSimilarity())
                .as("same version: the stored sketch of this very prompt matches").isEqualTo(1.0);
        for (int other : new int[] {1, PromptSketch.VERSION + 1}) {
            byte[] tagged = blob.clone();
            tagged[1] = (byte) other;
            ProfileCodec.Read read = ProfileCodec.read(tagged);
            assertThat(read.profile().sketchCount).as("sketch version %d: not compared", other).isZero();
            assertThat(read.profile().total).isEqualTo(p.total);
            assertThat(read.complete()).as("a newer version's sketches make the read incomplete (left to that build)")
                    .isEqualTo(other < PromptSketch.VERSION);
            // the same prompt again: no match with another version's sketch of it, a match once seen anew
            AccountProfile fresh = read.profile();
            assertThat(fresh.apply(new Observation(t + 60_000, same, 0.5), 4).lastSimilarity()).isZero();
            assertThat(fresh.apply(new Observation(t + 70_000, same, 0.5), 4).lastSimilarity()).isEqualTo(1.0);
        }
    }
}
