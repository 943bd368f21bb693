package io.extractionguard.engine.state;

import java.util.Arrays;

import io.extractionguard.engine.features.PromptSketch;

/**
 * The compact binary form of an {@link AccountProfile}, used to store profiles and ship profile
 * changes between replicas. A full profile (12 sketches, 16 arrivals) takes about 500 bytes; a
 * change holding one observation about 80. Counters are stored as 32-bit floats: they feed shares
 * and means, where a relative error of 10⁻⁷ is immaterial, and the 60 bytes saved kept a stored
 * profile inside Redis's 512-byte allocation class (a full profile of standalone requests now takes 511
 * bytes, 5 over it, since the standalone counter and the sketch version were added).
 *
 * <pre>
 * u8      format version (2)
 * u8      sketch version ({@link PromptSketch#VERSION}; format 1 had no such byte: its sketches are version 1)
 * varint  total requests
 * u8      flags: 1 = counters present, 2 = first/last seen present; bits 2–5: sketch count (≤ 12)
 * [counters] zig-zag varint reference time (epoch ms); varint bitmap of non-zero counters; f32 for each
 *            (minute, hour, then the day counters in index order: counters added to AccountProfile later
 *            take the next bits, so blobs written before still decode, with those counters at zero)
 * [seen]     zig-zag varint first-seen and last-seen, relative to the base time
 * per sketch (oldest first): zig-zag varint time, 32 bytes
 * u8      arrival count, then per arrival (oldest first): zig-zag varint time
 * </pre>
 * The base time is the reference time when counters are present, else 0. Sketch and arrival times
 * are each relative to the previous one in their list (the first to the base): gaps take a byte or two. Decoding reads
 * formats 1 and 2 and rejects any other, impossible counts and trailing bytes with an {@link IllegalArgumentException}.
 * Sketches of another sketch version are read and dropped, never compared with this build's: an older version's
 * (format 1's SuperMinHash) are useless here and the account's history refills with its next requests; a newer
 * version's make the read incomplete, like a newer build's counters. Counters
 * a newer build added (bitmap bits past the ones this build knows) are read and skipped, not rejected:
 * {@link #read} says when that happened, so a caller that rewrites stored profiles (compaction) can
 * leave such blobs to the newer build instead of dropping what it cannot represent.
 */
public final class ProfileCodec {

    public static final int VERSION = 2;
    /** The format before sketch versions: its sketches are SuperMinHash (sketch version 1). */
    static final int VERSION_1 = 1;
    private static final int HAS_COUNTERS = 1;
    private static final int HAS_SEEN = 2;
    private static final int SKETCH_COUNT_SHIFT = 2;
    private static final int SKETCH_COUNT_MASK = 0x0F << SKETCH_COUNT_SHIFT;
    private static final int COUNTERS = AccountProfile.DAY_COUNTERS + 2;

    private ProfileCodec() {
    }

    public static byte[] encode(AccountProfile profile) {
        AccountProfile p = profile.copy();
        Bytes.Writer w = new Bytes.Writer(96 + p.sketchCount * (PromptSketch.BYTES + 4) + p.arrivalCount * 4);
        boolean counters = p.decayedAt != Long.MIN_VALUE;
        boolean seen = p.firstSeen != Long.MAX_VALUE;
        w.u8(VERSION).u8(PromptSketch.VERSION).varlong(p.total)
                .u8((counters ? HAS_COUNTERS : 0) | (seen ? HAS_SEEN : 0) | p.sketchCount << SKETCH_COUNT_SHIFT);
        long base = counters ? p.decayedAt : 0;
        if (counters) {
            w.zigzag(p.decayedAt);
            double[] values = counterValues(p);
            long bitmap = 0;
            for (int i = 0; i < COUNTERS; i++) {
                if (values[i] != 0) {
                    bitmap |= 1L << i;
                }
            }
            w.varlong(bitmap);
            for (int i = 0; i < COUNTERS; i++) {
                if (values[i] != 0) {
                    w.f32((float) values[i]);
                }
            }
        }
        if (seen) {
            w.zigzag(p.firstSeen - base).zigzag(p.lastSeen - base);
        }
        long previous = base;
        for (int i = 0; i < p.sketchCount; i++) {
            int slot = oldestFirst(i, p.sketchNext, p.sketchCount, AccountProfile.SKETCH_HISTORY);
            w.zigzag(p.sketchAt[slot] - previous);
            previous = p.sketchAt[slot];
            w.bytes(p.sketches, slot * PromptSketch.BYTES, PromptSketch.BYTES);
        }
        w.u8(p.arrivalCount);
        previous = base;
        for (int i = 0; i < p.arrivalCount; i++) {
            long at = p.arrivals[oldestFirst(i, p.arrivalNext, p.arrivalCount, AccountProfile.ARRIVAL_HISTORY)];
            w.zigzag(at - previous);
            previous = at;
        }
        return w.toByteArray();
    }

    /** A decoded profile; {@code complete} is false when counters of a newer build were skipped. */
    public record Read(AccountProfile profile, boolean complete) {
    }

    public static AccountProfile decode(byte[] bytes) {
        return read(bytes).profile();
    }

    public static Read read(byte[] bytes) {
        Bytes.Reader r = new Bytes.Reader("account profile", bytes);
        int version = r.u8();
        if (version != VERSION && version != VERSION_1) {
            throw r.corrupt("unsupported format version " + version + " (this build reads " + VERSION_1 + " and "
                    + VERSION + ")");
        }
        int sketchVersion = version == VERSION_1 ? 1 : r.u8();
        AccountProfile p = new AccountProfile();
        p.total = r.varlong();
        if (p.total < 0) {
            throw r.corrupt("negative request total");
        }
        int flags = r.u8();
        if ((flags & ~(HAS_COUNTERS | HAS_SEEN | SKETCH_COUNT_MASK)) != 0) {
            throw r.corrupt("unknown flags " + flags);
        }
        long base = 0;
        boolean complete = true;
        if ((flags & HAS_COUNTERS) != 0) {
            p.decayedAt = r.zigzag();
            base = p.decayedAt;
            long bitmap = r.varlong();
            complete = (bitmap >>> COUNTERS) == 0; // higher bits: counters a newer build added, skipped here
            double[] values = new double[COUNTERS];
            for (int i = 0; i < Long.SIZE; i++) {
                if ((bitmap & (1L << i)) != 0) {
                    double v = r.f32();
                    if (!Double.isFinite(v) || v < 0) {
                        throw r.corrupt("counter " + i + " is " + v);
                    }
                    if (i < COUNTERS) {
                        values[i] = v;
                    }
                }
            }
            p.minute = values[0];
            p.hour = values[1];
            System.arraycopy(values, 2, p.day, 0, AccountProfile.DAY_COUNTERS);
        }
        if ((flags & HAS_SEEN) != 0) {
            p.firstSeen = base + r.zigzag();
            p.lastSeen = base + r.zigzag();
        }
        int sketches = (flags & SKETCH_COUNT_MASK) >>> SKETCH_COUNT_SHIFT;
        if (sketches > AccountProfile.SKETCH_HISTORY) {
            throw r.corrupt(sketches + " sketches, at most " + AccountProfile.SKETCH_HISTORY);
        }
        long previous = base;
        for (int i = 0; i < sketches; i++) {
            p.sketchAt[i] = previous + r.zigzag();
            previous = p.sketchAt[i];
            r.bytes(p.sketches, i * PromptSketch.BYTES, PromptSketch.BYTES);
        }
        if (sketchVersion == PromptSketch.VERSION) {
            p.sketchCount = sketches;
            p.sketchNext = sketches % AccountProfile.SKETCH_HISTORY;
        } else { // another algorithm's values: never compared with this one's
            Arrays.fill(p.sketches, (byte) 0);
            Arrays.fill(p.sketchAt, 0L);
            complete &= sketchVersion < PromptSketch.VERSION;
        }
        int arrivals = r.u8();
        if (arrivals > AccountProfile.ARRIVAL_HISTORY) {
            throw r.corrupt(arrivals + " arrivals, at most " + AccountProfile.ARRIVAL_HISTORY);
        }
        previous = base;
        for (int i = 0; i < arrivals; i++) {
            p.arrivals[i] = previous + r.zigzag();
            previous = p.arrivals[i];
        }
        p.arrivalCount = arrivals;
        p.arrivalNext = arrivals % AccountProfile.ARRIVAL_HISTORY;
        r.expectEnd();
        return new Read(p, complete);
    }

    private static double[] counterValues(AccountProfile p) {
        double[] values = new double[COUNTERS];
        values[0] = p.minute;
        values[1] = p.hour;
        System.arraycopy(p.day, 0, values, 2, AccountProfile.DAY_COUNTERS);
        return values;
    }

    private static int oldestFirst(int i, int next, int count, int capacity) {
        return count < capacity ? i : (next + i) % capacity;
    }
}
