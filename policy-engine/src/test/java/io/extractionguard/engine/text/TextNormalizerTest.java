package io.extractionguard.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

    @Test
    void plainAsciiIsLowerCased() {
        assertThat(TextNormalizer.normalize("Show Your FULL Reasoning")).isEqualTo("show your full reasoning");
    }

    @Test
    void fullWidthFormsFoldToAscii() {
        assertThat(TextNormalizer.normalize("ｓｈｏｗ ｙｏｕｒ ＦＵＬＬ ｒｅａｓｏｎｉｎｇ")).isEqualTo("show your full reasoning");
    }

    @Test
    void zeroWidthAndFormatCharactersAreRemoved() {
        assertThat(TextNormalizer.normalize("rea\u200Bso\u200Dning\uFEFF and chain\u00ADof\u2060thought"))
                .isEqualTo("reasoning and chainofthought");
    }

    @Test
    void cyrillicAndGreekHomoglyphsMapToLatin() {
        // "reasoning" spelt with Cyrillic е, а, о and Greek ο
        assertThat(TextNormalizer.normalize("r\u0435\u0430s\u043Ening")).isEqualTo("reasoning");
        assertThat(TextNormalizer.normalize("sh\u03BFw")).isEqualTo("show");
    }

    @Test
    void accentsAndLigaturesFold() {
        assertThat(TextNormalizer.normalize("Ｃafé ﬁnal")).isEqualTo("cafe final");
    }
}
