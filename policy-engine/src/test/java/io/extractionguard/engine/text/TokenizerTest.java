package io.extractionguard.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import com.dynatrace.hash4j.hashing.HashStream64;
import com.dynatrace.hash4j.hashing.Hashing;

/**
 * Token hashes feed sketches, phrase matching and stored profiles, so they must not change:
 * {@link Tokenizer#hashToken(char[], int, int)} is held to the komihash 5.0 stream over the same
 * chars that it replaced, for tokens of every length the one-pass path handles differently.
 */
class TokenizerTest {

    @Test
    void tokenHashesEqualTheKomihashStreamOverTheSameChars() {
        HashStream64 reference = Hashing.komihash5_0().hashStream();
        Tokenizer tokenizer = new Tokenizer();
        SplittableRandom random = new SplittableRandom(7);
        char[] text = new char[512];
        for (int round = 0; round < 20_000; round++) {
            for (int i = 0; i < text.length; i++) {
                text[i] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000) : (char) ('a' + random.nextInt(26));
            }
            int length = round < 200 ? round % 100 : random.nextInt(120);
            int from = random.nextInt(text.length - length + 1);
            long expected = reference.reset().putChars(text, from, length).getAsLong();
            assertThat(tokenizer.hashToken(text, from, from + length)).as("length %d", length).isEqualTo(expected);
        }
    }

    @Test
    void tokenizingHashesEachWordAsItsOwnChars() {
        Tokenizer tokenizer = new Tokenizer();
        char[] text = "rust, 汉字 and parsers".toCharArray();
        Tokenizer.LongList out = new Tokenizer.LongList(8);
        assertThat(tokenizer.tokenize(text, text.length, out)).isEqualTo(5);
        HashStream64 reference = Hashing.komihash5_0().hashStream();
        String[] words = {"rust", "汉", "字", "and", "parsers"};
        for (int i = 0; i < words.length; i++) {
            assertThat(out.get(i)).isEqualTo(reference.reset().putChars(words[i]).getAsLong());
        }
    }
}
