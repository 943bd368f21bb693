package io.extractionguard.engine.parity;

// A frozen copy of the implementation before the single-pass rewrite (main e5e9258), kept only as the
// reference the parity test compares the new one with. Do not change it.

import java.text.Normalizer;

/**
 * Folds text so that obfuscated prompts match the same lexicon terms and sketches as plain ones:
 * compatibility decomposition (full-width forms, ligatures, super/subscripts), removal of
 * combining marks and invisible format characters (zero-width spaces and joiners, BOM, soft
 * hyphen), lower-casing, and mapping of common Cyrillic and Greek homoglyphs to Latin letters.
 *
 * <p>Pure ASCII input skips the Unicode decomposition, which keeps the common case cheap.
 */
public final class LegacyTextNormalizer {

    private static final char[] CONFUSABLE = new char[0x0530];

    static {
        map("аa вb еe іi јj кk мm нh оo рp сc тt уy хx ѕs ԁd ԛq ԝw ӏl ьb");
        map("αa βb γy εe ηn ιi κk νv οo ρp τt υu χx ωw ϲc ϳj ζz");
    }

    private static void map(String pairs) {
        for (String pair : pairs.split(" ")) {
            char from = pair.charAt(0);
            char to = pair.charAt(1);
            if (from < CONFUSABLE.length && from != to) {
                CONFUSABLE[from] = to;
            }
        }
    }

    private LegacyTextNormalizer() {
    }

    /** Normalises {@code text} into {@code out}, replacing its contents. */
    public static void normalizeInto(CharSequence text, CharBuffer out) {
        out.clear();
        CharSequence source = isAscii(text) ? text : Normalizer.normalize(text, Normalizer.Form.NFKD);
        int n = source.length();
        out.ensureCapacity(n);
        char[] dst = out.array();
        int len = 0;
        for (int i = 0; i < n; i++) {
            char c = source.charAt(i);
            if (c < 0x80) {
                dst[len++] = (c >= 'A' && c <= 'Z') ? (char) (c + 32) : c;
                continue;
            }
            int type = Character.getType(c);
            if (type == Character.FORMAT || type == Character.NON_SPACING_MARK
                    || type == Character.ENCLOSING_MARK || type == Character.COMBINING_SPACING_MARK) {
                continue;
            }
            char lower = Character.toLowerCase(c);
            char mapped = lower < CONFUSABLE.length ? CONFUSABLE[lower] : 0;
            dst[len++] = mapped != 0 ? mapped : lower;
        }
        out.setLength(len);
    }

    /** Convenience for configuration (lexicon terms); allocates. */
    public static String normalize(CharSequence text) {
        CharBuffer buffer = new CharBuffer(text.length());
        normalizeInto(text, buffer);
        return buffer.toString();
    }

    private static boolean isAscii(CharSequence text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** A reusable growable char array, so per-request normalisation allocates nothing in steady state. */
    public static final class CharBuffer {
        private char[] array;
        private int length;

        public CharBuffer(int capacity) {
            array = new char[Math.max(16, capacity)];
        }

        void clear() {
            length = 0;
        }

        void ensureCapacity(int capacity) {
            if (array.length < capacity) {
                array = new char[Math.max(capacity, array.length * 2)];
            }
        }

        void setLength(int length) {
            this.length = length;
        }

        public char[] array() {
            return array;
        }

        public int length() {
            return length;
        }

        @Override
        public String toString() {
            return new String(array, 0, length);
        }
    }
}
