package io.extractionguard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.request.AnswerDigest;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The digest of each answer, read from the demo backend's real response bytes (ResponseMeterTest's backend) in
 * each API, JSON and SSE, reasoning asked for, however the bytes are cut: the visible answer text only (no
 * thinking, no reasoning summary), once, when the answer ends.
 */
class AnswerTextsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final JsonFactory factory = JsonFactory.builder().build();

    static final String ANTHROPIC = "{\"model\":\"m\",\"max_tokens\":4000,\"thinking\":{\"type\":\"enabled\","
            + "\"budget_tokens\":2000},\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]";
    static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]";
    static final String RESPONSES = "{\"model\":\"m\",\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},"
            + "\"input\":\"Hello there\"";

    private List<Long> digests(byte[] bytes, boolean sse, int cut, boolean complete) {
        List<Long> out = new ArrayList<>();
        ResponseMeter m = sse ? ResponseMeter.sse(factory, false, 0, out::add) : ResponseMeter.json(factory, 0, out::add);
        if (cut < 0) {
            for (byte b : bytes) {
                m.feed(ByteBuffer.wrap(new byte[]{b}));
            }
        } else {
            m.feed(ByteBuffer.wrap(bytes, 0, cut));
            m.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut));
        }
        m.usage(complete);
        return out;
    }

    /** The data of each SSE event, parsed (not the [DONE] marker). */
    static List<JsonNode> events(byte[] stream) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : new String(stream, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("data: {")) {
                out.add(JSON.readTree(line.substring(6)));
            }
        }
        return out;
    }

    /** The answer text as a client library assembles it from a response (JSON or SSE) of {@code path}. */
    static String visibleText(String path, byte[] bytes, boolean sse) {
        StringBuilder b = new StringBuilder();
        if (!sse) {
            JsonNode r = JSON.readTree(bytes);
            switch (path) {
                case "/v1/messages" -> r.path("content").forEach(block -> {
                    if (block.path("type").asString().equals("text")) {
                        b.append(block.path("text").asString());
                    }
                });
                case "/v1/chat/completions" -> b.append(r.path("choices").get(0).path("message").path("content").asString());
                default -> r.path("output").forEach(item -> item.path("content").forEach(part -> {
                    if (part.path("type").asString().equals("output_text")) {
                        b.append(part.path("text").asString());
                    }
                }));
            }
            return b.toString();
        }
        for (JsonNode e : events(bytes)) {
            switch (path) {
                case "/v1/messages" -> {
                    if (e.path("delta").path("type").asString("").equals("text_delta")) {
                        b.append(e.path("delta").path("text").asString());
                    }
                }
                case "/v1/chat/completions" -> {
                    if (e.path("choices").size() > 0) {
                        b.append(e.path("choices").get(0).path("delta").path("content").asString(""));
                    }
                }
                default -> {
                    if (e.path("type").asString().equals("response.output_text.delta")) {
                        b.append(e.path("delta").asString());
                    }
                }
            }
        }
        return b.toString();
    }

    private void assertDigestWhereverCut(String path, String body, boolean sse) throws Exception {
        byte[] bytes = ResponseMeterTest.fetch(path, body);
        String text = visibleText(path, bytes, sse);
        assertThat(text).isNotBlank();
        long expected = AnswerDigest.of(text);
        assertThat(digests(bytes, sse, -1, true)).as("%s stream=%s byte by byte", path, sse).containsExactly(expected);
        for (int cut = 0; cut <= bytes.length; cut += 7) {
            assertThat(digests(bytes, sse, cut, true)).as("%s stream=%s cut at %d", path, sse, cut)
                    .containsExactly(expected);
        }
    }

    @Test
    void anthropicAnswersAreDigestedWithoutTheirThinking() throws Exception {
        assertDigestWhereverCut("/v1/messages", ANTHROPIC + "}", false);
        assertDigestWhereverCut("/v1/messages", ANTHROPIC + ",\"stream\":true}", true);
    }

    @Test
    void chatAnswersAreDigested() throws Exception {
        assertDigestWhereverCut("/v1/chat/completions", CHAT + "}", false);
        assertDigestWhereverCut("/v1/chat/completions", CHAT + ",\"stream\":true}", true);
    }

    @Test
    void responsesAnswersAreDigestedWithoutTheirReasoningSummary() throws Exception {
        assertDigestWhereverCut("/v1/responses", RESPONSES + "}", false);
        assertDigestWhereverCut("/v1/responses", RESPONSES + ",\"stream\":true}", true);
    }

    @Test
    void eachChatChoiceIsAnAnswerOfItsOwn() {
        String json = "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"first answer\"}},{\"index\":1,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"second answer\"}}]}";
        assertThat(digests(json.getBytes(StandardCharsets.UTF_8), false, -1, true))
                .containsExactly(AnswerDigest.of("first answer"), AnswerDigest.of("second answer"));
        String sse = "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"second \"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first \"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"answer\"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"answer\"}}]}\n\n"
                + "data: [DONE]\n\n";
        assertThat(digests(sse.getBytes(StandardCharsets.UTF_8), true, -1, true))
                .containsExactly(AnswerDigest.of("first answer"), AnswerDigest.of("second answer"));
    }

    @Test
    void aStreamBrokenOffIsDigestedAsFarAsItWasPassedOnOnce() throws Exception {
        byte[] bytes = ResponseMeterTest.fetch("/v1/messages", ANTHROPIC + ",\"stream\":true}");
        String stream = new String(bytes, StandardCharsets.UTF_8);
        byte[] half = stream.substring(0, stream.lastIndexOf("\n\n", stream.length() / 2) + 2).getBytes(StandardCharsets.UTF_8);
        List<Long> out = digests(half, true, -1, false);
        assertThat(out).containsExactly(AnswerDigest.of(visibleText("/v1/messages", half, true)));
    }
}
