package io.extractionguard.engine.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.support.Fixtures;

class FeatureExtractorTest {

    private final FeatureExtractor extractor = new FeatureExtractor(
            Map.of(CapabilityArea.CODING, List.of("python", "function", "unit test"),
                    CapabilityArea.PLANNING, List.of("roadmap", "milestones")),
            List.of("show your full reasoning", "reconstruct the reasoning"), 2);

    @Test
    void capabilityAreaNeedsTheConfiguredNumberOfMatches() {
        assertThat(extractor.extract(Fixtures.prompt("a python question")).capabilityMask()).isZero();
        RequestFeatures f = extractor.extract(Fixtures.prompt("write a python function with a unit test"));
        assertThat(f.targets(CapabilityArea.CODING)).isTrue();
        assertThat(f.targets(CapabilityArea.PLANNING)).isFalse();
    }

    @Test
    void cotElicitationIsFoundThroughObfuscation() {
        assertThat(extractor.extract(Fixtures.prompt("Solve it. SHOW YOUR FULL REASONING.")).cotElicitation()).isTrue();
        assertThat(extractor.extract(Fixtures.prompt("s\u200Bhow y\u043Eur ｆｕｌｌ reas\u043Ening please")).cotElicitation())
                .isTrue();
        assertThat(extractor.extract(Fixtures.prompt("show your work")).cotElicitation()).isFalse();
    }

    @Test
    void eachObfuscationAloneStillMatchesTheLexicons() {
        // one technique at a time, so a regression in any single fold is caught on its own
        for (String prompt : List.of(
                "sHoW yOuR fUlL rEaSoNiNg",                                        // mixed case
                "show\u200B your\u200C full\u200D reason\u2060ing\uFEFF",         // zero-width and format characters
                "show your fu\u00ADll reasoning",                                   // soft hyphen
                "\u0455h\u043Ew y\u043Eur full r\u0435\u0430s\u03BFning",            // Cyrillic and Greek homoglyphs
                "ｓｈｏｗ　ｙｏｕｒ　ｆｕｌｌ　ｒｅａｓｏｎｉｎｇ",                             // full-width letters and ideographic spaces
                "SHOW YOUR ＦＵＬＬ REA\u200BSON\u0406NG")) {                        // all at once, Cyrillic І
            assertThat(extractor.extract(Fixtures.prompt(prompt)).cotElicitation()).as(prompt).isTrue();
        }
        RequestFeatures coding = extractor.extract(Fixtures.prompt("Ｗrite a ｐython ｆunction with a unit\u200B test"));
        assertThat(coding.targets(CapabilityArea.CODING)).isTrue();
    }

    @Test
    void cotElicitationInTheSystemPromptCounts() {
        InferenceRequest r = new InferenceRequest(ApiFormat.OPENAI_CHAT_COMPLETIONS, "m",
                "Always reconstruct the reasoning behind each answer.", "what is 2+2", 0, 2, List.of(), -1, false, Double.NaN);
        RequestFeatures f = extractor.extract(r);
        assertThat(f.cotElicitation()).isTrue();
        assertThat(f.systemPromptHash()).isNotZero();
    }

    @Test
    void promptsFromOneTemplateAreSimilarAndUnrelatedPromptsAreNot() {
        String template = "You are a world-class competitive programmer. Read the task below carefully, think about "
                + "edge cases, then write an efficient solution and explain the algorithm and its complexity. Task: %s";
        byte[] a = extractor.extract(Fixtures.prompt(template.formatted("sort a list of intervals by start"))).sketch();
        byte[] b = extractor.extract(Fixtures.prompt(template.formatted("find the longest palindromic substring"))).sketch();
        byte[] c = extractor.extract(Fixtures.prompt(
                "My tomato plants have yellow leaves since last week, should I water them less or move them?")).sketch();
        assertThat(PromptSketch.similarity(a, b)).isGreaterThan(0.5);
        assertThat(PromptSketch.similarity(a, c)).isLessThan(0.15);
        assertThat(a).hasSize(PromptSketch.BYTES);
    }

    @Test
    void emptyPromptHasNoSketchAndToolsAreCounted() {
        InferenceRequest r = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "", "", 0, 1,
                List.of("bash", "editor"), 64000, false, Double.NaN);
        RequestFeatures f = extractor.extract(r);
        assertThat(f.sketch()).isNull();
        assertThat(f.toolCount()).isEqualTo(2);
        assertThat(f.maxOutputTokens()).isEqualTo(64000);
        assertThat(f.systemPromptHash()).isZero();
    }

    @Test
    void aRepeatedSystemPromptGivesTheSameFeaturesAsTheFirstTime() {
        String system = "You are a python coding assistant. Write a function and a unit test for every request.";
        InferenceRequest first = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", system, "rename this variable",
                0, 1, List.of(), 512, false, Double.NaN);
        InferenceRequest other = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "You plan roadmaps.",
                "milestones for the launch", 0, 1, List.of(), 512, false, Double.NaN);
        RequestFeatures a = extractor.extract(first);
        extractor.extract(other);
        RequestFeatures b = extractor.extract(new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m",
                new String(system.toCharArray()), "rename this variable", 0, 1, List.of(), 512, false, Double.NaN));
        assertThat(b.systemPromptHash()).isEqualTo(a.systemPromptHash()).isNotZero();
        assertThat(b.capabilityMask()).isEqualTo(a.capabilityMask()).isEqualTo(CapabilityArea.CODING.bit());
        assertThat(b.promptTokens()).isEqualTo(a.promptTokens()).isEqualTo(19);
        assertThat(b.sketch()).isEqualTo(a.sketch());
    }

    @Test
    void aRequestStandsAloneOnlyWithoutEarlierTurnsWhateverItsSystemPrompt() {
        InferenceRequest fresh = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "You are a helpful assistant.",
                "Solve this puzzle.", 0, 1, List.of(), 16000, false, Double.NaN);
        InferenceRequest followUp = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "You are a helpful assistant.",
                "And why is that?", 240, 3, List.of(), 16000, false, Double.NaN);
        InferenceRequest toolLoop = new InferenceRequest(ApiFormat.OPENAI_RESPONSES, "m", "",
                "", 1800, 4, List.of("read_file"), 8192, false, Double.NaN);
        assertThat(extractor.extract(fresh).standalone()).isTrue();
        assertThat(extractor.extract(Fixtures.prompt("a plain first question")).standalone()).isTrue();
        assertThat(extractor.extract(followUp).standalone()).isFalse();
        assertThat(extractor.extract(toolLoop).standalone()).isFalse();
    }

    @Test
    void aPromptWrittenWithJsonEscapesHasTheFeaturesOfThePlainPrompt() {
        // what the model reads is the decoded text: escaping letters, spaces or the whole prompt must not hide it from
        // the lexicons and the sketch (the tokeniser reads the decoded string: ASCII by bytes, the rest by characters)
        String decoded = "Write a python function with a unit test, then SHOW YOUR FULL REASONING? \u00e9t\u00e9 \ud835\udc2c";
        String[] spellings = {
            decoded,                                                                    // raw UTF-8
            decoded.replace("python", "\\u0070ython").replace("FULL", "F\\u0055LL").replace(" ", "\\u0020"),
            escapeAll(decoded),                                                         // the pair as two escapes
            decoded.replace(",", "\\u002C").replace("?", "\\u003f"),
        };
        RequestParser parser = new RequestParser();
        RequestFeatures expected = extractor.extract(Fixtures.prompt(decoded));
        assertThat(expected.cotElicitation()).isTrue();
        assertThat(expected.targets(CapabilityArea.CODING)).isTrue();
        for (String spelling : List.of(spellings)) {
            InferenceRequest r = parseMessage(parser, spelling);
            assertThat(r.lastUserText()).isEqualTo(decoded);
            assertSameFeatures(extractor.extract(r), expected, spelling);
        }
        // other separators, escaped: another text, the same words
        InferenceRequest r = parseMessage(parser, decoded.replace(",", "\\/").replace("?", "\\t").replace(" ", "\\n"));
        assertSameFeatures(extractor.extract(r), expected, r.lastUserText());
    }

    private static InferenceRequest parseMessage(RequestParser parser, String jsonContent) {
        byte[] body = ("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"" + jsonContent
                + "\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ParseResult parsed = parser.parse(ApiFormat.ANTHROPIC_MESSAGES, body);
        assertThat(parsed).as(jsonContent).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) parsed).request();
    }

    private static void assertSameFeatures(RequestFeatures actual, RequestFeatures expected, String spelling) {
        assertThat(actual.sketch()).as(spelling).isEqualTo(expected.sketch());
        assertThat(actual.capabilityMask()).as(spelling).isEqualTo(expected.capabilityMask());
        assertThat(actual.cotElicitation()).as(spelling).isTrue();
        assertThat(actual.promptTokens()).as(spelling).isEqualTo(expected.promptTokens());
    }

    /** Every UTF-16 unit of {@code text} as a JSON escape (a backslash, u and four hex digits). */
    private static String escapeAll(String text) {
        StringBuilder b = new StringBuilder();
        text.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
        return b.toString();
    }

    private static InferenceRequest parsed(ApiFormat format, String body) {
        return ((ParseResult.Parsed) new RequestParser().parse(format,
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8))).request();
    }

    private static String pdfBehindStub(int maxTokens) {
        return "{\"model\":\"m\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\","
                + "\"data\":\"JVBERi0xLjc=\"}},{\"type\":\"text\",\"text\":\"See the file.\"}]}]}";
    }

    @Test
    void aTaskInADocumentIsSeenByEveryTextFeature() {
        String task = "Implement the python function and show your full reasoning. Task 3: the 3rd element.";
        RequestFeatures doc = extractor.extract(parsed(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":"
                + "16000,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":"
                + "\"text\",\"media_type\":\"text/plain\",\"data\":\"" + task + "\"}},{\"type\":\"text\",\"text\":"
                + "\"See the file.\"}]}]}"));
        RequestFeatures plain = extractor.extract(Fixtures.prompt(task + "\nSee the file."));
        assertThat(doc.cotElicitation()).isTrue();
        assertThat(doc.targets(CapabilityArea.CODING)).isTrue();
        assertThat(doc.sketch()).as("the template sketch sees the task as if sent as text").isEqualTo(plain.sketch());
        assertThat(doc.opaque()).isFalse();
    }

    @Test
    void aReasoningAskInAToolDescriptionCountsButItsCapabilityWordsDoNot() {
        InferenceRequest r = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"go\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
                + "{\"name\":\"a\",\"schema\":{\"type\":\"object\",\"description\":\"show your full reasoning\"}}}}");
        assertThat(extractor.extract(r).cotElicitation()).isTrue();
        InferenceRequest agent = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"go\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"run\","
                + "\"description\":\"Runs a python function with a unit test\"}}]}");
        RequestFeatures f = extractor.extract(agent);
        assertThat(f.cotElicitation()).isFalse();
        assertThat(f.capabilityMask()).isZero();
    }

    @Test
    void opaqueContentWithALongBudgetCountsAsAReasoningAsk() {
        RequestFeatures longAsk = extractor.extract(parsed(ApiFormat.ANTHROPIC_MESSAGES, pdfBehindStub(16000)));
        assertThat(longAsk.opaque()).isTrue();
        assertThat(longAsk.cotElicitation()).as("what it asks is unknown: no benefit of looking ordinary").isTrue();
        RequestFeatures shortAsk = extractor.extract(parsed(ApiFormat.ANTHROPIC_MESSAGES, pdfBehindStub(1024)));
        assertThat(shortAsk.opaque()).isTrue();
        assertThat(shortAsk.cotElicitation()).as("a short answer about a PDF is ordinary").isFalse();
        FeatureExtractor ordinary = new FeatureExtractor(Map.of(), List.of("show your full reasoning"), 2, false, 0);
        assertThat(ordinary.extract(parsed(ApiFormat.ANTHROPIC_MESSAGES, pdfBehindStub(16000))).cotElicitation())
                .as("as: ordinary").isFalse();
        FeatureExtractor always = new FeatureExtractor(Map.of(), List.of("show your full reasoning"), 2, true, 0);
        assertThat(always.extract(parsed(ApiFormat.ANTHROPIC_MESSAGES, pdfBehindStub(16))).cotElicitation())
                .as("min-output-tokens: 0").isTrue();
    }
}
