package io.extractionguard.engine.features;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import com.dynatrace.hash4j.similarity.SimilarityHashPolicy;
import com.dynatrace.hash4j.similarity.SimilarityHashing;

/**
 * The similarity sketch of a prompt: a SuperMinHash signature (hash4j) over word 3-shingles of
 * the normalised new user text. Two prompts built from the same template share most shingles,
 * so the fraction of equal signature components estimates their Jaccard similarity.
 *
 * <p>64 components of 4 bits: 32 bytes a sketch, standard error about 0.06 around J = 0.5.
 */
public final class PromptSketch {

    public static final int COMPONENTS = 64;
    public static final int BITS_PER_COMPONENT = 4;
    public static final SimilarityHashPolicy POLICY =
            SimilarityHashing.superMinHash(COMPONENTS, BITS_PER_COMPONENT);
    public static final int BYTES = POLICY.getSignatureSizeInBytes();

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int COMPONENTS_PER_LONG = Long.SIZE / BITS_PER_COMPONENT;
    private static final long LOW_BIT_OF_EACH_COMPONENT = 0x1111_1111_1111_1111L;
    private static final double CHANCE = 1.0 / (1 << BITS_PER_COMPONENT);

    private PromptSketch() {
    }

    /**
     * Estimated Jaccard similarity of the shingle sets behind two signatures, corrected for
     * components that agree by chance. Signatures are compared in place at the given offsets.
     */
    public static double similarity(byte[] a, int aOffset, byte[] b, int bOffset) {
        // 16 components a word: XOR, then count the 4-bit groups that are zero (equal components).
        // Same count as comparing component by component, ~10x fewer operations (the campaign
        // evidence scans up to 256 stored sketches per request on the decide thread).
        int equal = 0;
        int i = 0;
        for (; i + Long.BYTES <= BYTES; i += Long.BYTES) {
            long x = (long) LONGS.get(a, aOffset + i) ^ (long) LONGS.get(b, bOffset + i);
            long differing = (x | (x >>> 1) | (x >>> 2) | (x >>> 3)) & LOW_BIT_OF_EACH_COMPONENT;
            equal += COMPONENTS_PER_LONG - Long.bitCount(differing);
        }
        for (int c = i * 2; c < COMPONENTS; c++) {
            if (component(a, aOffset, c) == component(b, bOffset, c)) {
                equal++;
            }
        }
        double fraction = (double) equal / COMPONENTS;
        return Math.max(0.0, (fraction - CHANCE) / (1.0 - CHANCE));
    }

    public static double similarity(byte[] a, byte[] b) {
        return similarity(a, 0, b, 0);
    }

    /** Component {@code i} (4 bits) of the signature starting at {@code offset}. */
    public static int component(byte[] signature, int offset, int i) {
        int b = signature[offset + (i >>> 1)];
        return (i & 1) == 0 ? b & 0x0F : (b >>> 4) & 0x0F;
    }
}
