package io.extractionguard.engine.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

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
}
