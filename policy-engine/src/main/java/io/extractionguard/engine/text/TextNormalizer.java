package io.extractionguard.engine.text;

import java.text.Normalizer;

/**
 * Folds text so that obfuscated prompts match the same lexicon terms and sketches as plain ones:
 * compatibility decomposition (full-width forms, ligatures, super/subscripts), removal of
 * combining marks and invisible format characters (zero-width spaces and joiners, BOM, soft
 * hyphen), lower-casing, and mapping of common Cyrillic and Greek homoglyphs to Latin letters.
 *
 * <p>Pure ASCII input skips the Unicode decomposition, which keeps the common case cheap.
 * {@link Tokenizer} applies the same fold while it tokenises.
 */
public final class TextNormalizer {

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

    private TextNormalizer() {
    }

    /** {@code text} normalised (configuration, tests; {@link Tokenizer} folds request text as it tokenises). */
    public static String normalize(CharSequence text) {
        CharSequence source = isAscii(text) ? text : Normalizer.normalize(text, Normalizer.Form.NFKD);
        int n = source.length();
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = source.charAt(i);
            if (c < 0x80) {
                out.append((c >= 'A' && c <= 'Z') ? (char) (c + 32) : c);
                continue;
            }
            if (removedPair(source, i)) { // an invisible or mark character outside the BMP
                i++;
                continue;
            }
            char folded = foldNonAscii(c);
            if (folded != 0) {
                out.append(folded);
            }
        }
        return out.toString();
    }

    /**
     * The fold of one decomposed non-ASCII character: 0 when it is removed (combining marks, invisible
     * format characters), else lower-cased with homoglyphs mapped to Latin letters (never 0).
     */
    static char foldNonAscii(char c) {
        if (removed(c)) {
            return 0;
        }
        char lower = Character.toLowerCase(c);
        char mapped = lower < CONFUSABLE.length ? CONFUSABLE[lower] : 0;
        return mapped != 0 ? mapped : lower;
    }

    /** Whether the fold removes {@code codePoint}, of any plane: combining marks and invisible format characters. */
    static boolean removed(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.NON_SPACING_MARK
                || type == Character.ENCLOSING_MARK || type == Character.COMBINING_SPACING_MARK;
    }

    /**
     * Whether {@code text} holds at {@code i} a surrogate pair the fold removes (tag characters, musical
     * format controls, supplementary variation selectors...): such a character inside a word must not split it.
     */
    static boolean removedPair(CharSequence text, int i) {
        char c = text.charAt(i);
        return Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                && removed(Character.toCodePoint(c, text.charAt(i + 1)));
    }

    private static boolean isAscii(CharSequence text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
