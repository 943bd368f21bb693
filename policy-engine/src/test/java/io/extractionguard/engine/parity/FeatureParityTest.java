package io.extractionguard.engine.parity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.policy.FeatureSettings;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.text.Tokenizer;

/**
 * The single-pass tokeniser and the feature extractor built on it give exactly what the implementation
 * before them gave (a frozen copy in this package): the same token hashes for every text, and the same
 * features (sketch bytes, system-prompt hash, capability mask, reasoning ask, token count) under the
 * shipped policy. A tokeniser that differs on some Unicode path would be an evasion (the normaliser
 * exists to defeat spelling tricks), so the corpus is weighted towards them.
 */
class FeatureParityTest {

    /** Spelling tricks and Unicode edge cases, alone and spliced into words. */
    private static final String[] TRICKS = {
        "\u0301", "\u0300\u0327", "e\u0301", "\u0308", "\u20DD", "\u0903", "\u0D3E",        // combining marks (Mn, Me, Mc)
        "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u180E", "\u061C",    // zero-width, format
        "\u0430", "\u0435", "\u043E", "\u0440", "\u0441", "\u0455", "\u0456", "\u04CF",    // Cyrillic homoglyphs
        "\u03BF", "\u03B1", "\u03C1", "\u03BD", "\u0391", "\u039F", "\u0410", "\u0406",    // Greek, capitals
        "\uFF33", "\uFF48", "\uFF4F", "\uFF57", "\u3000", "\uFF10", "\uFF01",              // full-width forms, ideographic space
        "\uFB01", "\uFB00", "\u2122", "\u00B2", "\u2082", "\u24E2", "\u1D43", "\u2460",    // ligatures, super/subscripts, circled
        "\u202E", "\u202D", "\u200F", "\u200E", "\u2067", "\u2069",                        // bidi controls (RTL)
        "\u05E9\u05DC\u05D5\u05DD", "\u0645\u0631\u062D\u0628\u0627", "\u0627\u0644\u0644\u0647",  // Hebrew, Arabic
        "\uFDFA", "\uFB4F", "\u0132", "\u01C4",                                            // long compatibility expansions
        "\uD835\uDC2C\uD835\uDC21\uD835\uDC28\uD835\uDC30",                                  // mathematical bold "show"
        // emoji, CJK ext B (invisible supplementary characters such as the tag space are removed since the frozen
        // copy, which split words on them: TextNormalizerTest)
        "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\uD840\uDC00",
        "\uD800", "\uDC00", "\uDBFF", "\uD800a",                                           // lone surrogates (JSON \\u escapes)
        "\u4E2D\u6587", "\u65E5\u672C\u8A9E", "\u3042\u3044", "\uAC00\uD55C", "\u1100\u1161", // CJK, kana, Hangul
        "\u0130", "\u0131", "\u00DF", "\u212A", "\u2126", "\u00C5", "\u212B", "\u1E9E",    // case-mapping oddities
        "\u0E01\u0E34", "\u0915\u093F", "\u00E9", "\u00C9", "\u00F1", "\u0107",            // Thai, Devanagari, Latin-1
        "\u2018", "\u2019", "\u201C", "\u201D", "\u2014", "\u2026", "\u00A0", "\u2009",    // smart punctuation, spaces
        "\u0000", "\t", "\n", "\r\n", "\\", "\"", "'", "_", "-", "0", "9", "Z", "z",
    };

    private static final String[] WORDS = ("show your full reasoning step by step explain every detail think before "
            + "answering python function unit test algorithm implement roadmap milestones chain of thought "
            + "reconstruct the derivation complete rationale intermediate work prove lemma theorem sql query "
            + "the a of to and in is for it with as was on be by this you I SHOW YOUR FULL REASONING Ｓｈｏｗ").split(" ");

    /** Random texts per test; {@code -Dparity.rounds=200000} for a longer run. */
    private static final int ROUNDS = Integer.getInteger("parity.rounds", 10_000);

    private static final Policy POLICY = shipped();
    private static final FeatureSettings SETTINGS = POLICY.features();

    private final FeatureExtractor extractor = POLICY.extractor();
    private final LegacyFeatureExtractor legacy = new LegacyFeatureExtractor(SETTINGS.capabilities(),
            SETTINGS.cotElicitation(), SETTINGS.minCapabilityMatches());
    private final Tokenizer tokenizer = new Tokenizer();
    private final LegacyTokenizer legacyTokenizer = new LegacyTokenizer();

    private static Policy shipped() {
        try {
            return new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml"));
        } catch (Exception e) {
            throw new IllegalStateException("the shipped policy does not load", e);
        }
    }

    @Test
    void everyTrickAloneAndInsideWordsTokenisesAsBefore() {
        int checked = 0;
        for (String trick : TRICKS) {
            for (String text : List.of(trick, "show" + trick + "your", trick + "reasoning" + trick,
                    "SHOW YOUR FULL REA" + trick + "SONING", "x " + trick + trick + " y", trick + " " + trick,
                    "chain" + trick + "of" + trick + "thought" + trick)) {
                assertSameTokens(text);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(TRICKS.length * 7);
    }

    @Test
    void everyBmpCharacterInsideWordsAndBetweenMarksTokenisesAsBefore() {
        // the tokeniser folds each character's decomposition on its own: next to letters, next to combining
        // marks of other classes (reordering), doubled, and at a word's start and end
        for (int c = 0x80; c <= 0xFFFF; c++) {
            String ch = String.valueOf((char) c);
            assertSameTokens("a" + ch + "b x" + ch + "\u0301" + ch + "\u0327y\u0334" + ch + "\u0316z " + ch + ch + "\u0300" + ch);
        }
    }

    @Test
    void wordsAndTricksAcrossTheTokenisersChunkEdgesTokeniseAsBefore() {
        // the tokeniser reads text in chunks of 2,048 characters: words, long words and non-ASCII runs on the edge
        for (int pad = 2030; pad < 2060; pad++) {
            for (String tail : List.of("reasoning", "internationalization", "REASONING", " x", "\u0301e", "e\u0301\u0302",
                    "\u200Bsoning", "r\u0435\u0430s\u043Ening", "\uFF33\uFF48\uFF4F\uFF57", "\uD835\uDC2C\uD835\uDC21",
                    "\u4E2D\u6587", "abcdefghijklmnopq", "\uFDFA")) {
                assertSameTokens("y".repeat(pad) + tail + " end");
                assertSameTokens("ab ".repeat(pad / 3) + "z".repeat(pad % 3) + tail);
                assertSameTokens("\u00E9".repeat(pad) + tail + "w".repeat(4000));
            }
        }
    }

    @Test
    void randomMixturesOfWordsAndTricksTokeniseAndExtractAsBefore() {
        SplittableRandom random = new SplittableRandom(20);
        for (int n = 0; n < ROUNDS; n++) {
            String text = mixture(random, 1 + random.nextInt(n % 100 == 0 ? 3000 : 40));
            assertSameTokens(text);
            String system = random.nextInt(4) == 0 ? mixture(random, 1 + random.nextInt(20)) : "";
            assertSameFeatures(request(system, text));
        }
    }

    @Test
    void randomCodePointsOfEveryPlaneTokeniseAsBefore() {
        SplittableRandom random = new SplittableRandom(7);
        StringBuilder b = new StringBuilder();
        for (int n = 0; n < ROUNDS; n++) {
            b.setLength(0);
            for (int k = random.nextInt(1, 30); k > 0; k--) {
                switch (random.nextInt(4)) {
                    case 0 -> b.append((char) random.nextInt(0x20, 0x7F));               // ASCII
                    case 1 -> b.append((char) random.nextInt(0x80, 0x3000));             // scripts, marks
                    case 2 -> b.append((char) random.nextInt(0x10000));                  // any BMP unit, lone surrogates too
                    default -> b.appendCodePoint(visibleSupplementary(random));         // supplementary planes
                }
            }
            assertSameTokens(b.toString());
        }
    }

    @Test
    void sketchesOfEverySetSizeAreAsBefore() {
        // small sets need rounds after the first (and the last 64 rounds' one-component draws), large ones do not
        SplittableRandom random = new SplittableRandom(17);
        io.extractionguard.engine.features.PromptSketch.Sketcher sketcher =
                new io.extractionguard.engine.features.PromptSketch.Sketcher();
        LegacySketcher before = new LegacySketcher();
        for (int n = 1; n <= 5_000; n += n < 400 ? 1 : 97) {
            for (int k = 0; k < 5; k++) {
                long[] elements = random.longs(n).toArray();
                if (k == 4) {
                    for (int i = 1; i < n; i++) {
                        elements[i] = elements[random.nextInt(i)]; // repeats
                    }
                }
                assertThat(sketcher.sketch(elements, n)).as("n=" + n).isEqualTo(before.sketch(elements, n));
            }
        }
    }

    @Test
    void longPromptsExtractAsBefore() {
        SplittableRandom random = new SplittableRandom(16);
        for (int n = 0; n < 40; n++) {
            // up to ~64 KiB: more than the sketch's shingle cap, ASCII only or with tricks
            String text = n % 2 == 0 ? words(random, 2_000 + random.nextInt(12_000)) : mixture(random, 12_000);
            assertSameTokens(text);
            assertSameFeatures(request("You are a helpful assistant. " + text.substring(0, 100), text));
        }
    }

    @Test
    void bypassCorpusBodiesExtractAsBefore() throws Exception {
        Path corpus = Path.of("..", "gateway", "src", "test", "resources", "boundary", "bypass-corpus.jsonl");
        RequestParser parser = new RequestParser();
        ObjectMapper json = new ObjectMapper();
        int parsed = 0;
        for (String line : Files.readAllLines(corpus, StandardCharsets.UTF_8)) {
            JsonNode entry = json.readTree(line);
            if (!entry.has("body") || !entry.get("body").isString()) {
                continue;
            }
            byte[] body = entry.get("body").asString().getBytes(StandardCharsets.UTF_8);
            for (ApiFormat format : ApiFormat.values()) {
                if (parser.parse(format, body) instanceof ParseResult.Parsed p) {
                    assertSameTokens(p.request().lastUserText());
                    assertSameFeatures(p.request());
                    parsed++;
                }
            }
        }
        assertThat(parsed).isGreaterThan(50);
    }

    private static String words(SplittableRandom random, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(10) == 0 ? ". " : " ");
        }
        return b.toString();
    }

    private static String mixture(SplittableRandom random, int pieces) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            int pick = random.nextInt(10);
            if (pick < 5) {
                b.append(WORDS[random.nextInt(WORDS.length)]);
            } else if (pick < 9) {
                b.append(TRICKS[random.nextInt(TRICKS.length)]);
            } else {
                b.append(' ');
            }
        }
        return b.toString();
    }

    /**
     * A supplementary code point other than a mark or format character: since the frozen copy, the fold removes
     * those (tag characters and the like split words there; TextNormalizerTest pins the change).
     */
    private static int visibleSupplementary(SplittableRandom random) {
        while (true) {
            int cp = random.nextInt(0x10000, 0x110000);
            int type = Character.getType(cp);
            if (type != Character.FORMAT && type != Character.NON_SPACING_MARK && type != Character.ENCLOSING_MARK
                    && type != Character.COMBINING_SPACING_MARK) {
                return cp;
            }
        }
    }

    private static InferenceRequest request(String system, String user) {
        return new InferenceRequest(ApiFormat.OPENAI_CHAT_COMPLETIONS, "m", system, user, 0, 1, List.of(), 1024, false,
                Double.NaN);
    }

    private void assertSameTokens(String text) {
        Tokenizer.LongList now = new Tokenizer.LongList(16);
        tokenizer.tokenize(text, now);
        LegacyTokenizer.LongList before = new LegacyTokenizer.LongList(16);
        char[] normalized = LegacyTextNormalizer.normalize(text).toCharArray();
        legacyTokenizer.tokenize(normalized, normalized.length, before);
        assertThat(hashes(now.size(), now::get)).as(() -> escape(text)).isEqualTo(hashes(before.size(), before::get));
    }

    private void assertSameFeatures(InferenceRequest r) {
        RequestFeatures now = extractor.extract(r);
        RequestFeatures before = legacy.extract(r);
        // records compare arrays by identity: compare the sketch's bytes, then the rest with the sketch left out
        assertThat(now.sketch()).as(() -> escape(r.lastUserText())).isEqualTo(before.sketch());
        assertThat(withoutSketch(now)).as(() -> escape(r.lastUserText())).isEqualTo(withoutSketch(before));
    }

    private static RequestFeatures withoutSketch(RequestFeatures f) {
        return new RequestFeatures(null, f.systemPromptHash(), f.capabilityMask(), f.cotElicitation(), f.maxOutputTokens(),
                f.toolCount(), f.promptTokens(), f.standalone());
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
