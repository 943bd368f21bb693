package io.extractionguard.engine.parity;

import java.util.Arrays;

import io.extractionguard.engine.features.PromptSketch;

/**
 * Frozen copy of {@code PromptSketch.Sketcher} (version 2) as of 2026-12-07 before round 0 was split off, for
 * {@link FeatureParityTest}: the faster loop must give every set the same sketch.
 */
final class LegacySketcher {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int COMPONENTS = PromptSketch.COMPONENTS;
    private static final int COMPONENT_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(COMPONENTS);
    private static final long VALUE = -1L >>> Integer.numberOfTrailingZeros(COMPONENTS);

    private final long[] best = new long[COMPONENTS];
    private final int[] round = new int[COMPONENTS];

    byte[] sketch(long[] elements, int n) {
        long[] best = this.best;
        int[] round = this.round;
        Arrays.fill(round, -1);
        int held = 0;
        for (int r = 0; held < COMPONENTS; r++) {
            long salt = (r + 1) * GOLDEN;
            boolean spread = r < COMPONENTS;
            if (!spread && round[r - COMPONENTS] >= 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                long h = mix(elements[i] + salt);
                int c = spread ? (int) (h >>> COMPONENT_SHIFT) : r - COMPONENTS;
                int at = round[c];
                if (at < 0) {
                    round[c] = r;
                    best[c] = h;
                    held++;
                } else if (at == r && (h & VALUE) < (best[c] & VALUE)) {
                    best[c] = h;
                }
            }
        }
        byte[] out = new byte[PromptSketch.BYTES];
        for (int c = 0; c < COMPONENTS; c++) {
            out[c >>> 1] |= (byte) ((best[c] & 0x0F) << ((c & 1) << 2));
        }
        return out;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
