package io.extractionguard.engine.text;

// A frozen copy of the character-at-a-time tokeniser (main b1d7acf, 2026-12-07), kept only as the reference
// TokenizerParityTest compares the byte path with. Do not change it.

import java.text.Normalizer;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

/**
 * Normalises text ({@link TextNormalizer}), splits it into word tokens and hashes each token, in one
 * pass and without creating strings. A token is a run of letters or digits of the normalised text;
 * each ideographic character is a token of its own so that languages written without spaces still
 * produce useful shingles. The result is by definition that of tokenising {@link
 * TextNormalizer#normalize} of the text.
 *
 * <p>One pass: ASCII characters are folded and classified by table; a non-ASCII character's
 * decomposition (NFKD), folded, is looked up per character. That gives the tokens of the whole
 * text's decomposition: an ASCII character has no decomposition and combining class 0, and the
 * characters canonical reordering moves are removed by the fold or separate tokens in any order
 * (see {@link #nonAscii}). Only the current token's characters are kept, in a small buffer.
 *
 * <p>Not thread-safe: each thread uses its own instance (see {@code FeatureExtractor}).
 */
public final class LegacyCharTokenizer {

    private static final Hasher64 HASH = Hashing.komihash5_0();

    /** ASCII letters and digits, lower-cased; 0 for every other ASCII character (a separator). */
    private static final char[] ASCII_WORD = new char[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            ASCII_WORD[c] = c;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            ASCII_WORD[c] = c;
            ASCII_WORD[c - 32] = c;
        }
    }

    /** Characters of the text are read in chunks of this many (bulk copies, no per-character call). */
    private static final int CHUNK = 2048;

    /** The current token's characters when it is built character by character. */
    private final Chars token = new Chars();
    private final char[] chunk = new char[CHUNK];

    /**
     * Normalises and tokenises {@code text} and appends the token hashes to {@code out}.
     *
     * @return the number of tokens appended
     */
    public int tokenize(String text, LongList out) {
        int before = out.size();
        Chars t = token;
        t.clear();
        char[] buf = chunk;
        int n = text.length();
        int pos = 0;
        while (pos < n) {
            int len = Math.min(CHUNK, n - pos);
            text.getChars(pos, pos + len, buf, 0);
            int next = pos + len;
            int i = 0;
            while (i < len) {
                char c = buf[i];
                if (c >= 0x80) {
                    int end = nonAscii(text, pos + i, out);
                    if (end >= pos + len) {
                        next = end; // the run went past this chunk
                        break;
                    }
                    i = end - pos;
                    continue;
                }
                char w = ASCII_WORD[c];
                if (w == 0) {
                    t.end(out);
                    i++;
                    continue;
                }
                if (t.length != 0) { // a token begun across a non-ASCII run or a chunk's edge
                    t.appendAscii(w);
                    i++;
                    continue;
                }
                // A word starts here: scan it in place, its first 16 characters packed as the cache key.
                int start = i;
                long key1 = 0;
                long key2 = 0;
                while (true) {
                    int at = i - start;
                    if (at < 8) {
                        key1 = key1 << 8 | w;
                    } else if (at < 16) {
                        key2 = key2 << 8 | w;
                    }
                    if (++i == len || (c = buf[i]) >= 0x80 || (w = ASCII_WORD[c]) == 0) {
                        break;
                    }
                }
                if (i < len ? buf[i] < 0x80 : next == n) { // ended by an ASCII separator or the text's end
                    out.add(t.hashAscii(buf, start, i, key1, key2));
                } else { // continues into a non-ASCII run or the next chunk
                    for (int k = start; k < i; k++) {
                        t.appendAscii(ASCII_WORD[buf[k]]);
                    }
                }
            }
            pos = next;
        }
        t.end(out);
        return out.size() - before;
    }

    /**
     * Feeds the run of non-ASCII characters starting at {@code from}, normalised, to the current token;
     * returns where the run ends. A BMP character's decomposition, folded, is looked up
     * ({@link #folded}); surrogates (supplementary characters, or lone ones) are decomposed as they come.
     * Folding each character's decomposition on its own gives what folding the run's decomposition
     * gives: canonical reordering moves only characters of non-zero combining class, which are
     * combining marks (removed by the fold) or, once decomposed into surrogates, separators whose order
     * does not change a token.
     */
    private int nonAscii(String text, int from, LongList out) {
        int n = text.length();
        int end = from;
        while (end < n) {
            char c = text.charAt(end);
            if (c < 0x80) {
                break;
            }
            if (!Character.isSurrogate(c)) {
                String f = folded(c);
                for (int k = 0, m = f.length(); k < m; k++) {
                    feed(f.charAt(k), out);
                }
                end++;
                continue;
            }
            int stop = end + 1;
            while (stop < n && Character.isSurrogate(text.charAt(stop))) {
                stop++;
            }
            String f = fold(text.substring(end, stop));
            for (int k = 0, m = f.length(); k < m; k++) {
                feed(f.charAt(k), out);
            }
            end = stop;
        }
        return end;
    }

    /** Per BMP character, its NFKD decomposition folded; filled as characters are met (racy but idempotent). */
    private static final String[] FOLDED = new String[0x10000];

    /** The NFKD decomposition of {@code c}, folded ({@link #fold}). */
    static String folded(char c) {
        String f = FOLDED[c];
        if (f == null) {
            f = fold(String.valueOf(c));
            FOLDED[c] = f;
        }
        return f;
    }

    /**
     * {@code text} decomposed (NFKD), non-ASCII characters folded ({@link TextNormalizer#foldNonAscii},
     * removed ones left out); ASCII characters as they are ({@link #ascii} folds those).
     */
    private static String fold(String text) {
        String decomposed = Normalizer.normalize(text, Normalizer.Form.NFKD);
        StringBuilder b = new StringBuilder(decomposed.length());
        for (int k = 0, m = decomposed.length(); k < m; k++) {
            char d = decomposed.charAt(k);
            if (TextNormalizer.removedPair(decomposed, k)) {
                k++;
                continue;
            }
            char f = d < 0x80 ? d : TextNormalizer.foldNonAscii(d);
            if (f != 0) {
                b.append(f);
            }
        }
        return b.toString();
    }

    /** A character of the normalised text. */
    private void feed(char f, LongList out) {
        Chars t = token;
        if (f < 0x80) {
            ascii(f, out);
        } else if (!Character.isLetterOrDigit(f)) {
            t.end(out);
        } else if (Character.isIdeographic(f)) {
            t.end(out);
            t.append(f);
            t.end(out);
        } else {
            t.append(f);
        }
    }

    /** An ASCII character of the normalised text: part of a word, or a separator. */
    private void ascii(char c, LongList out) {
        char w = ASCII_WORD[c];
        if (w != 0) {
            token.appendAscii(w);
        } else {
            token.end(out);
        }
    }

    /** Mixes consecutive token hashes into one shingle hash. */
    public long shingle(long a, long b, long c) {
        return HASH.hashLongLongLongToLong(a, b, c);
    }

    /**
     * The current token as UTF-16LE bytes: {@code hashBytesToLong} of them is {@code hashCharsToLong} of
     * its characters (hash4j's {@code putChars} is defined as the little-endian bytes), read eight bytes
     * at a time instead of one character at a time.
     *
     * <p>Words repeat (a prompt of 16 KiB has a few hundred distinct ones among 3,000), so the hashes of
     * ASCII tokens of up to 16 characters are remembered, keyed by the characters themselves packed
     * 8 bits each into two longs (letters and digits are never 0, so the key also gives the length): a
     * hit is exact, never a collision, and a miss costs what hashing did before.
     */
    private static final class Chars {
        private static final int CACHE_BITS = 12;

        private byte[] bytes = new byte[128];
        private int length; // in bytes
        /** The characters 8 bits each while the token is ASCII and at most 8 long; -1 otherwise. */
        private long packed;
        /**
         * Per slot, its two key words and the hash side by side ({@link #SLOT} longs): a lookup reads one cache
         * line, where three arrays cost three (the cache is larger than the L1 cache, and in the gateway other
         * work evicts it between requests). Allocated on first use: configuration tokenises a few phrases with
         * throwaway instances.
         */
        private long[] cached;
        private static final int SLOT = 4;

        void clear() {
            length = 0;
            packed = 0;
        }

        void appendAscii(char c) {
            if (packed >= 0) {
                packed = length < 16 ? packed << 8 | c : -1;
            }
            put(c);
        }

        void append(char c) {
            packed = -1;
            put(c);
        }

        private void put(char c) {
            if (length == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, length * 2);
            }
            bytes[length] = (byte) c;
            bytes[length + 1] = (byte) (c >>> 8);
            length += 2;
        }

        /** Ends the current token, if any, appending its hash to {@code out}. */
        void end(LongList out) {
            if (length == 0) {
                return;
            }
            out.add(packed > 0 ? cached(packed, 0, null, 0, 0) : HASH.hashBytesToLong(bytes, 0, length));
            clear();
        }

        /** The hash of the ASCII word {@code text[from, to)} (already lower case and alphanumeric when folded). */
        long hashAscii(char[] text, int from, int to, long key1, long key2) {
            if (to - from <= 16) {
                return cached(key1, key2, text, from, to);
            }
            return hashFolded(text, from, to);
        }

        /** The hash of the token whose packed characters are {@code key1, key2}, from the cache or computed. */
        private long cached(long key1, long key2, char[] text, int from, int to) {
            long[] cache = cached;
            if (cache == null) {
                cache = cached = new long[SLOT << CACHE_BITS];
            }
            int at = (int) ((key1 * 0x9E3779B97F4A7C15L + key2 * 0xC2B2AE3D27D4EB4FL) >>> (64 - CACHE_BITS)) * SLOT;
            if (cache[at] == key1 && cache[at + 1] == key2) {
                return cache[at + 2];
            }
            long h = text == null ? HASH.hashBytesToLong(bytes, 0, length) : hashFolded(text, from, to);
            cache[at] = key1;
            cache[at + 1] = key2;
            cache[at + 2] = h;
            return h;
        }

        /** Hashes an ASCII word of {@code text} lower-cased (the token's buffer is left empty). */
        private long hashFolded(char[] text, int from, int to) {
            length = 0;
            for (int k = from; k < to; k++) {
                put(ASCII_WORD[text[k]]);
            }
            long h = HASH.hashBytesToLong(bytes, 0, length);
            length = 0;
            return h;
        }
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
