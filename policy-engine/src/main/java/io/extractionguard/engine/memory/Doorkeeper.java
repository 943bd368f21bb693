package io.extractionguard.engine.memory;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Remembers which keys were seen at least once, in a fixed bit array (one bit per key, chosen by
 * hash), so that state is only created for keys seen twice: most LSH bands of a prompt are
 * determined by its unique part and never recur, and keeping a bucket for each would cost the
 * request path an insert per band and fill the store with buckets that never get a second member.
 * When a quarter of the bits are set, all are cleared (keys then need two fresh sightings); a key
 * whose bit collides with another's is let through on its first sighting, which is harmless.
 *
 * <p>Thread-safe; concurrent updates may lose a bit, which only delays a bucket by one sighting.
 */
final class Doorkeeper {

    private final AtomicLongArray bits;
    private final long mask;
    private final long resetAt;
    private final AtomicLong set = new AtomicLong();

    /** @param log2Bits log2 of the number of bits (e.g. 26 for 8 MiB) */
    Doorkeeper(int log2Bits) {
        long size = 1L << log2Bits;
        this.bits = new AtomicLongArray((int) (size >>> 6));
        this.mask = size - 1;
        this.resetAt = size / 4;
    }

    /** Whether the key was marked seen (or collides with one that was). */
    boolean seen(long key) {
        long bit = bit(key);
        return (bits.get((int) (bit >>> 6)) & (1L << (bit & 63))) != 0;
    }

    /** Whether the key was seen before; marks it seen. */
    boolean seenBefore(long key) {
        long bit = bit(key);
        int word = (int) (bit >>> 6);
        long m = 1L << (bit & 63);
        long w = bits.get(word);
        if ((w & m) != 0) {
            return true;
        }
        bits.set(word, w | m);
        if (set.incrementAndGet() >= resetAt) {
            clear();
        }
        return false;
    }

    private long bit(long key) {
        return ((key * 0x9E3779B97F4A7C15L) >>> 17) & mask;
    }

    private synchronized void clear() {
        if (set.get() < resetAt) {
            return;
        }
        for (int i = 0; i < bits.length(); i++) {
            bits.set(i, 0);
        }
        set.set(0);
    }
}
