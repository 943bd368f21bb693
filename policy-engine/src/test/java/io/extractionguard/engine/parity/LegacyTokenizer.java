package io.extractionguard.engine.parity;

// A frozen copy of the implementation before the single-pass rewrite (main e5e9258), kept only as the
// reference the parity test compares the new one with. Do not change it.

import com.dynatrace.hash4j.hashing.HashStream64;
import com.dynatrace.hash4j.hashing.Hashing;

/**
 * Splits normalised text into word tokens and hashes each one without creating strings.
 * A token is a run of letters or digits; each ideographic character is a token of its own so
 * that languages written without spaces still produce useful shingles.
 *
 * <p>Not thread-safe: each thread uses its own instance (see {@code FeatureExtractor}).
 */
public final class LegacyTokenizer {

    private final HashStream64 stream = Hashing.komihash5_0().hashStream();

    /** Hash of one token given as chars; the same function {@link #tokenize} uses. */
    public long hashToken(char[] chars, int from, int to) {
        return stream.reset().putChars(chars, from, to - from).getAsLong();
    }

    /** Hash of a token given as a string (configuration time). */
    public long hashToken(String token) {
        char[] chars = token.toCharArray();
        return hashToken(chars, 0, chars.length);
    }

    /**
     * Tokenises {@code text[0, length)} and appends token hashes to {@code out}.
     *
     * @return the number of tokens appended
     */
    public int tokenize(char[] text, int length, LongList out) {
        int before = out.size();
        int i = 0;
        while (i < length) {
            char c = text[i];
            if (!Character.isLetterOrDigit(c)) {
                i++;
                continue;
            }
            if (Character.isIdeographic(c)) {
                out.add(hashToken(text, i, i + 1));
                i++;
                continue;
            }
            int start = i;
            while (i < length && Character.isLetterOrDigit(text[i]) && !Character.isIdeographic(text[i])) {
                i++;
            }
            out.add(hashToken(text, start, i));
        }
        return out.size() - before;
    }

    /** Mixes consecutive token hashes into one shingle hash. */
    public long shingle(long a, long b, long c) {
        return stream.reset().putLong(a).putLong(b).putLong(c).getAsLong();
    }

    /** A growable list of primitive longs, reused across requests. */
    public static final class LongList {
        private long[] values;
        private int size;

        public LongList(int capacity) {
            values = new long[Math.max(16, capacity)];
        }

        public void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        public long get(int index) {
            return values[index];
        }

        public int size() {
            return size;
        }

        public void clear() {
            size = 0;
        }
    }
}
