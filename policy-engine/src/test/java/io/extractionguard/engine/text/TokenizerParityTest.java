package io.extractionguard.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The tokeniser's byte path for ASCII text, and its hand-over to the character path at the first word that touches
 * a non-ASCII character, give exactly the token hashes of the character path alone (a frozen copy, {@link
 * LegacyCharTokenizer}): every ASCII character, words of every length around the eight-byte steps and the
 * 16-character cache key, text ends at every offset of a step, question marks real and standing for characters
 * above 0xFF in the ISO-8859-1 bytes, non-ASCII characters at every offset in and next to words, and texts far
 * longer than the character path's chunk. A word split or joined differently would change lexicon matches and
 * sketches: an evasion, or a false match.
 */
class TokenizerParityTest {

    private static final int ROUNDS = Integer.getInteger("parity.rounds", 20_000);

    /** One for all tests: its word-hash cache is shared by the byte and character paths, as in use. */
    private static final Tokenizer tokenizer = new Tokenizer();
    private final LegacyCharTokenizer legacy = new LegacyCharTokenizer();

    @Test
    void everyAsciiCharacterAloneAndInsideWordsTokenisesAsBefore() {
        for (char c = 0; c < 0x80; c++) {
            String ch = String.valueOf(c);
            for (String text : List.of(ch, ch + ch, "a" + ch + "b", "Word" + ch, ch + "WORD", "abcdefgh" + ch + "ijklmnop",
                    "abcdefghijklmnop" + ch + "q", "x".repeat(17) + ch + "Y".repeat(9), ch.repeat(9) + "z" + ch.repeat(7))) {
                assertSameTokens(text);
            }
        }
    }

    @Test
    void wordsOfEveryLengthAtEveryOffsetTokeniseAsBefore() {
        SplittableRandom random = new SplittableRandom(3);
        String alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int length = 1; length <= 40; length++) {
            for (int offset = 0; offset < 17; offset++) {
                StringBuilder word = new StringBuilder();
                for (int k = 0; k < length; k++) {
                    word.append(alnum.charAt(random.nextInt(alnum.length())));
                }
                String pad = " ".repeat(offset);
                assertSameTokens(pad + word);                       // the word ends the text
                assertSameTokens(pad + word + ".");
                assertSameTokens(pad + word + " " + word.toString().toUpperCase() + "," + word);
                assertSameTokens(word + "\u0000" + pad + word);
            }
        }
    }

    @Test
    void randomAsciiTextsTokeniseAsBefore() {
        SplittableRandom random = new SplittableRandom(11);
        StringBuilder b = new StringBuilder();
        for (int n = 0; n < ROUNDS; n++) {
            b.setLength(0);
            int length = random.nextInt(n % 50 == 0 ? 5_000 : 80);
            for (int k = 0; k < length; k++) {
                b.append(switch (random.nextInt(4)) {
                    case 0 -> (char) random.nextInt(0x80);                    // any ASCII, controls too
                    case 1 -> ' ';
                    default -> (char) ('a' + random.nextInt(26) - (random.nextBoolean() ? 32 : 0));
                });
            }
            assertSameTokens(b.toString());
        }
    }

    @Test
    void nonAsciiCharactersAtEveryOffsetInAndNextToWordsTokeniseAsBefore() {
        // the ISO-8859-1 bytes hold '?' for a character above 0xFF and a byte above 0x7F for one of 0x80-0xFF
        String[] others = {"\u00E9", "\u00FF", "\u0080", "\u0100", "\u0141", "\u0301", "\u200B", "\uFF33", "\uFB01",
            "\u4E2D", "\uD800", "\uDC00", "\uD835\uDC2C", "\u0430", "\u00DF", "\u212A", "?", "\u003F\u0301"};
        String base = "Show your full reasoning? Internationalization, step by step; x1 y2 abcdefghijklmnopqrstuvw end";
        for (String other : others) {
            for (int at = 0; at <= base.length(); at++) {
                assertSameTokens(base.substring(0, at) + other + base.substring(at));
                assertSameTokens(base.substring(0, at) + other + base.substring(at) + other);
            }
        }
    }

    @Test
    void questionMarksAndOtherCharactersMixedTokeniseAsBefore() {
        SplittableRandom random = new SplittableRandom(5);
        String[] pieces = {"\uD800", "\uDC00", "\uDBFF", "\uDFFF", "\uDC00\uD800", "\uD800\uD800", "word", "REASONING",
            "abcdefghijklmnopqrstu", "x", " ", "?", "??", "what?", "\uD835\uDC2C", "\uD83D\uDE00", "\u00E9", "\u0142",
            "\u4E2D\u6587"};
        for (int n = 0; n < ROUNDS; n++) {
            StringBuilder b = new StringBuilder();
            for (int k = random.nextInt(1, 12); k > 0; k--) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            assertSameTokens(b.toString());
        }
    }

    @Test
    void longAsciiTextsAcrossTheOldChunkEdgesTokeniseAsBefore() {
        SplittableRandom random = new SplittableRandom(9);
        String[] words = "show your FULL reasoning step by step internationalization 0x1F 42 a I supercalifragilistic"
                .split(" ");
        for (int n = 0; n < 30; n++) {
            StringBuilder b = new StringBuilder("y".repeat(2030 + n));
            while (b.length() < 70_000) {
                b.append(words[random.nextInt(words.length)]).append(random.nextInt(8) == 0 ? ".\n" : " ");
            }
            assertSameTokens(b.toString());
            // handed to the character path far in, and then across its chunks
            assertSameTokens(b.substring(0, 40_000 + n) + "caf\u00E9s\u0301 \uFF33how" + b.substring(0, 9_000 + 7 * n));
        }
    }

    private void assertSameTokens(String text) {
        Tokenizer.LongList now = new Tokenizer.LongList(16);
        int count = tokenizer.tokenize(text, now);
        LegacyCharTokenizer.LongList before = new LegacyCharTokenizer.LongList(16);
        int countBefore = legacy.tokenize(text, before);
        assertThat(count).isEqualTo(countBefore);
        assertThat(hashes(now.size(), now::get)).as(() -> escape(text)).isEqualTo(hashes(before.size(), before::get));
    }

    private static List<Long> hashes(int size, java.util.function.IntToLongFunction get) {
        List<Long> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(get.applyAsLong(i));
        }
        return out;
    }

    private static String escape(String text) {
        StringBuilder b = new StringBuilder();
        text.chars().limit(200).forEach(c -> b.append(c < 0x20 || c > 0x7E ? String.format("\\u%04X", c) : String.valueOf((char) c)));
        return b.toString();
    }
}
