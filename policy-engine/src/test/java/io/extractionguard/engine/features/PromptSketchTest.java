package io.extractionguard.engine.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.Random;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import com.dynatrace.hash4j.similarity.ElementHashProvider;
import com.dynatrace.hash4j.similarity.SimilarityHasher;
import com.dynatrace.hash4j.similarity.SimilarityHashing;

class PromptSketchTest {

    /** Component-by-component count, the definition the word-at-a-time similarity must reproduce. */
    private static double naive(byte[] a, int aOffset, byte[] b, int bOffset) {
        int equal = 0;
        for (int i = 0; i < PromptSketch.COMPONENTS; i++) {
            if (PromptSketch.component(a, aOffset, i) == PromptSketch.component(b, bOffset, i)) {
                equal++;
            }
        }
        double chance = 1.0 / (1 << PromptSketch.BITS_PER_COMPONENT);
        return Math.max(0.0, ((double) equal / PromptSketch.COMPONENTS - chance) / (1.0 - chance));
    }

    @Test
    void similarityEqualsTheComponentByComponentCountAtAnyOffset() {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            int aOffset = random.nextInt(5);
            int bOffset = random.nextInt(5);
            byte[] a = new byte[aOffset + PromptSketch.BYTES];
            byte[] b = new byte[bOffset + PromptSketch.BYTES];
            random.nextBytes(a);
            // b agrees with a on a random share of the components (nibbles), so all similarities occur
            double agree = random.nextDouble();
            for (int i = 0; i < PromptSketch.BYTES; i++) {
                int x = a[aOffset + i];
                int r = random.nextInt(256);
                int low = random.nextDouble() < agree ? x & 0x0F : r & 0x0F;
                int high = random.nextDouble() < agree ? x & 0xF0 : r & 0xF0;
                b[bOffset + i] = (byte) (high | low);
            }
            assertEquals(naive(a, aOffset, b, bOffset), PromptSketch.similarity(a, aOffset, b, bOffset), 0.0);
        }
    }

    @Test
    void identicalSketchesAreFullySimilarAndComplementsNot() {
        byte[] a = new byte[PromptSketch.BYTES];
        new Random(3).nextBytes(a);
        byte[] flipped = a.clone();
        for (int i = 0; i < flipped.length; i++) {
            flipped[i] = (byte) ~flipped[i]; // every nibble differs
        }
        assertEquals(1.0, PromptSketch.similarity(a, a.clone()), 0.0);
        assertEquals(0.0, PromptSketch.similarity(a, flipped), 0.0);
    }

    /** Root mean square error and bias of the estimate against the exact Jaccard similarity, per set size and J. */
    private record Error(double rmse, double bias) {
    }

    private interface Sketch {
        byte[] of(long[] elements, int n);
    }

    private static Error error(Sketch sketch, int n, double targetJ, int trials, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int shared = (int) Math.round(2 * n * targetJ / (1 + targetJ));
        double exact = (double) shared / (2 * n - shared);
        double squares = 0;
        double sum = 0;
        long[] a = new long[n];
        long[] b = new long[n];
        for (int t = 0; t < trials; t++) {
            for (int i = 0; i < n; i++) {
                a[i] = random.nextLong();
                b[i] = i < shared ? a[i] : random.nextLong();
            }
            double e = PromptSketch.similarity(sketch.of(a, n), sketch.of(b, n)) - exact;
            squares += e * e;
            sum += e;
        }
        return new Error(Math.sqrt(squares / trials), sum / trials);
    }

    @Test
    void estimatesJaccardAsWellAsTheSuperMinHashOfVersionOneAtEverySetSize() {
        PromptSketch.Sketcher current = new PromptSketch.Sketcher();
        SimilarityHasher superMinHash = SimilarityHashing.superMinHash(PromptSketch.COMPONENTS,
                PromptSketch.BITS_PER_COMPONENT).createHasher();
        Sketch versionOne = (e, n) -> superMinHash.compute(ElementHashProvider.ofFunction(i -> e[i], n));
        for (int n : new int[] {2, 5, 12, 30, 64, 150, 400, 1500}) {
            for (double j : new double[] {0.0, 0.2, 0.5, 0.8}) {
                Error now = error(current::sketch, n, j, 600, n * 31L + (long) (j * 10));
                Error before = error(versionOne, n, j, 600, n * 31L + (long) (j * 10));
                String at = "n=" + n + " J=" + j + ": " + now + " vs version 1 " + before;
                assertThat(now.rmse()).as(at).isLessThan(0.07).isLessThan(before.rmse() * 1.15 + 0.005);
                // J = 0 reads a little high on average: estimates below zero are clamped to zero
                assertThat(Math.abs(now.bias())).as(at).isLessThan(j == 0 ? 0.02 : 0.01);
            }
        }
    }

    @Test
    void aSketchDependsOnTheSetOnly() {
        PromptSketch.Sketcher sketcher = new PromptSketch.Sketcher();
        long[] elements = new SplittableRandom(5).longs(40).toArray();
        long[] shuffledWithRepeats = new long[80];
        for (int i = 0; i < 80; i++) {
            shuffledWithRepeats[i] = elements[(i * 17) % 40];
        }
        assertThat(sketcher.sketch(shuffledWithRepeats, 80)).isEqualTo(sketcher.sketch(elements, 40))
                .isEqualTo(new PromptSketch.Sketcher().sketch(elements, 40));
        assertThat(sketcher.sketch(new long[] {42}, 1)).hasSize(PromptSketch.BYTES)
                .isEqualTo(sketcher.sketch(new long[] {42, 42, 42}, 3));
    }

    @Test
    void theTextFormCarriesTheVersionAndOnlyThisVersionReadsBack() {
        byte[] sketch = new PromptSketch.Sketcher().sketch(new long[] {1, 2, 3}, 3);
        String text = PromptSketch.text(sketch);
        assertThat(text).startsWith("v" + PromptSketch.VERSION + ":").hasSize(3 + 2 * PromptSketch.BYTES);
        assertThat(PromptSketch.textVersion(text)).isEqualTo(PromptSketch.VERSION);
        assertThat(PromptSketch.fromText(text)).hasValueSatisfying(back -> assertThat(back).isEqualTo(sketch));

        String versionOne = HexFormat.of().formatHex(sketch); // version 1 wrote bare hex
        assertThat(PromptSketch.textVersion(versionOne)).isEqualTo(1);
        assertThat(PromptSketch.fromText(versionOne)).isEmpty();
        assertThat(PromptSketch.textVersion("v3:" + versionOne)).isEqualTo(3);
        assertThat(PromptSketch.fromText("v3:" + versionOne)).isEmpty();
        for (String junk : new String[] {"", "v:" + versionOne, "v2" + versionOne, "v2:" + versionOne.toUpperCase(),
                "v2:" + versionOne + "0", "vx:" + versionOne, "v0:" + versionOne, versionOne.substring(2)}) {
            assertThat(PromptSketch.textVersion(junk)).as(junk).isEqualTo(-1);
            assertThat(PromptSketch.fromText(junk)).as(junk).isEmpty();
        }
    }
}
