package io.extractionguard.engine.text;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 * <p>ASCII text (nearly all prompts) takes a byte path instead ({@link #tokenizeAscii}): its ISO-8859-1 bytes, a
 * copy of the string's own bytes, are read eight at a time, a word found and lower-cased with a few word-wide
 * operations instead of a loop step per character. From the first word that touches a non-ASCII character on, the
 * text takes the character path.
 *
 * <p>Not thread-safe: each thread uses its own instance (see {@code FeatureExtractor}).
 */
public final class Tokenizer {

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
        // One byte per character, the character itself when it is ASCII (a copy, for the Latin-1 strings Java
        // keeps ASCII text in); any other character is a byte above 0x7F or, above 0xFF, '?'.
        byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
        int n = latin1.length;
        int ascii = asciiPrefix(text, latin1);
        int cut = ascii;
        if (ascii < n) {
            while (cut > 0 && ASCII_WORD[latin1[cut - 1]] != 0) {
                cut--; // a word running into the non-ASCII character is the character path's
            }
        }
        int count = tokenizeAscii(latin1, cut, out);
        return cut == n ? count : count + tokenizeChars(text, cut, out);
    }

    /** The length of the longest prefix of {@code text} that is ASCII, read from its ISO-8859-1 bytes. */
    private static int asciiPrefix(String text, byte[] latin1) {
        int n = latin1.length;
        int i = 0;
        while (i <= n - Long.BYTES) {
            long v = (long) LONGS.get(latin1, i);
            long q = v ^ 0x3F3F_3F3F_3F3F_3F3FL; // '?' bytes are 0
            long flagged = (v | (q - ONES) & ~q) & HIGH; // bytes above 0x7F and '?' (above its lowest, maybe others)
            if (flagged == 0) {
                i += Long.BYTES;
                continue;
            }
            int at = i + firstByte(flagged);
            if (latin1[at] != '?' || text.charAt(at) != '?') {
                return at;
            }
            i = at + 1; // a question mark
        }
        for (; i < n; i++) {
            if (latin1[i] < 0 || (latin1[i] == '?' && text.charAt(i) != '?')) {
                return i;
            }
        }
        return n;
    }

    /**
     * The character path: {@code text} from {@code from} on, where a word starts or ends (any text; {@link #tokenize}
     * keeps it for text from the first word that touches a non-ASCII character on).
     */
    private int tokenizeChars(String text, int from, LongList out) {
        int before = out.size();
        Chars t = token;
        t.clear();
        char[] buf = chunk;
        int n = text.length();
        int pos = from;
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
                        key1 |= (long) w << (at << 3);
                    } else if (at < 16) {
                        key2 |= (long) w << ((at - 8) << 3);
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

    /** ASCII text's bytes read eight at a time, first byte lowest. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH = 0x8080_8080_8080_8080L;

    /**
     * The byte path: {@code ascii[0, n)} holds only bytes below 0x80 and ends where a word ends. A word is a run of ASCII letters and digits;
     * everything else separates. Each step reads eight bytes and marks the letters and the digits in them
     * ({@link #letters}, {@link #digits}): the word's start and end are the lowest marked and unmarked bytes,
     * its lower case the bytes with 0x20 set where a letter is, and its cache key (the first 16 characters 8 bits
     * each, first character lowest) those bytes as they were read. The same hashes as the character path, which
     * the parity tests check against a frozen copy of it.
     */
    private int tokenizeAscii(byte[] ascii, int n, LongList out) {
        int before = out.size();
        Chars t = token;
        int i = 0;
        while (i < n) {
            long v = load(ascii, i, n);
            long letters = letters(v);
            long word = letters | digits(v);
            if (word == 0) {
                i += 8;
                continue;
            }
            int skip = firstByte(word);
            if (skip != 0) { // the word starts inside: read again from its first byte
                i += skip;
                v = load(ascii, i, n);
                letters = letters(v);
                word = letters | digits(v);
            }
            long stop = ~word & HIGH;
            if (stop != 0) { // 1 to 7 characters
                int len = firstByte(stop);
                out.add(t.cached(lower(v, letters) & below(len), 0, ascii, i, i + len));
                i += len + 1; // the byte after the word separates
                continue;
            }
            long key1 = lower(v, letters);
            long v2 = load(ascii, i + 8, n);
            long letters2 = letters(v2);
            long stop2 = ~(letters2 | digits(v2)) & HIGH;
            if (stop2 != 0) { // 8 to 15 characters
                int len2 = firstByte(stop2);
                out.add(t.cached(key1, lower(v2, letters2) & below(len2), ascii, i, i + 8 + len2));
                i += 8 + len2 + 1;
                continue;
            }
            int end = i + 16;
            while (true) {
                long v3 = load(ascii, end, n);
                long stop3 = ~(letters(v3) | digits(v3)) & HIGH;
                if (stop3 != 0) {
                    end += firstByte(stop3);
                    break;
                }
                end += 8;
            }
            out.add(end - i == 16 ? t.cached(key1, lower(v2, letters2), ascii, i, end)
                    : t.hashAscii(ascii, i, end));
            i = end + 1;
        }
        return out.size() - before;
    }

    /** Bytes {@code [i, i + 8)} of {@code b[0, n)}, bytes past {@code n} read as 0 (a separator). */
    private static long load(byte[] b, int i, int n) {
        if (i <= n - Long.BYTES) {
            return (long) LONGS.get(b, i);
        }
        long v = 0;
        for (int k = Math.min(n, i + Long.BYTES) - 1; k >= i; k--) {
            v = v << 8 | b[k];
        }
        return v;
    }

    /** 0x80 in each byte of {@code v} (all below 0x80) that is an ASCII letter, 0 in the others. */
    private static long letters(long v) {
        long folded = v | 0x2020_2020_2020_2020L; // upper case onto lower case; no other byte lands in a..z
        return (folded + (0x80 - 'a') * ONES) & ~(folded + (0x7F - 'z') * ONES) & HIGH;
    }

    /** 0x80 in each byte of {@code v} (all below 0x80) that is an ASCII digit, 0 in the others. */
    private static long digits(long v) {
        return (v + (0x80 - '0') * ONES) & ~(v + (0x7F - '9') * ONES) & HIGH;
    }

    /** {@code v} with its letters ({@link #letters} of it) lower-cased. */
    private static long lower(long v, long letters) {
        return v | letters >>> 2;
    }

    /** A mask of the low {@code len} bytes (0 to 7). */
    private static long below(int len) {
        return (1L << (len << 3)) - 1;
    }

    /**
     * The index of the lowest byte of {@code mask} (0x80 or 0 in each byte, not all 0) that is marked: its lowest bit,
     * shifted to the byte's low bit, multiplies a constant whose top byte is then that index. The replay's JIT (C1)
     * has no intrinsic for {@code Long.numberOfTrailingZeros}.
     */
    private static int firstByte(long mask) {
        return (int) (((mask & -mask) >>> 7) * 0x0001_0203_0405_0607L >>> 56);
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
     * 8 bits each into two longs, first character lowest (letters and digits are never 0, so the key also gives
     * the length): a hit is exact, never a collision, and a miss costs what hashing did before.
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
                packed = length < 16 ? packed | (long) c << (length << 2) : -1;
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
            out.add(packed > 0 ? cached(packed, 0, (char[]) null, 0, 0) : HASH.hashBytesToLong(bytes, 0, length));
            clear();
        }

        /** The hash of the ASCII word {@code text[from, to)} (already lower case and alphanumeric when folded). */
        long hashAscii(char[] text, int from, int to, long key1, long key2) {
            if (to - from <= 16) {
                return cached(key1, key2, text, from, to);
            }
            return hashFolded(text, from, to);
        }

        /** The hash of the ASCII word {@code ascii[from, to)} longer than 16 characters (not cached). */
        long hashAscii(byte[] ascii, int from, int to) {
            length = 0;
            for (int k = from; k < to; k++) {
                put(ASCII_WORD[ascii[k]]);
            }
            long h = HASH.hashBytesToLong(bytes, 0, length);
            length = 0;
            return h;
        }

        /** {@link #cached(long, long, char[], int, int)} of the ASCII word {@code ascii[from, to)}. */
        long cached(long key1, long key2, byte[] ascii, int from, int to) {
            long[] cache = cache();
            int at = slot(key1, key2);
            return cache[at] == key1 && cache[at + 1] == key2 ? cache[at + 2]
                    : remember(at, key1, key2, hashAscii(ascii, from, to));
        }

        /** The hash of the token whose packed characters are {@code key1, key2}, from the cache or computed. */
        private long cached(long key1, long key2, char[] text, int from, int to) {
            long[] cache = cache();
            int at = slot(key1, key2);
            return cache[at] == key1 && cache[at + 1] == key2 ? cache[at + 2]
                    : remember(at, key1, key2, text == null ? HASH.hashBytesToLong(bytes, 0, length)
                            : hashFolded(text, from, to));
        }

        private long[] cache() {
            long[] cache = cached;
            return cache != null ? cache : (cached = new long[SLOT << CACHE_BITS]);
        }

        private static int slot(long key1, long key2) {
            return (int) ((key1 * 0x9E3779B97F4A7C15L + key2 * 0xC2B2AE3D27D4EB4FL) >>> (64 - CACHE_BITS)) * SLOT;
        }

        private long remember(int at, long key1, long key2, long hash) {
            cached[at] = key1;
            cached[at + 1] = key2;
            cached[at + 2] = hash;
            return hash;
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
