package io.extractionguard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;
import tools.jackson.core.json.JsonFactory;

/**
 * Usage read from real response bytes of the demo backend, in each API format, JSON and SSE,
 * however the bytes are cut into buffers.
 */
class ResponseMeterTest {

    private static final DemoBackend BACKEND = DemoBackend.start(DemoBackendSettings.DEFAULT.withOutputTokens(64));
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final JsonFactory factory = JsonFactory.builder().build();

    @AfterAll
    static void stop() {
        BACKEND.close();
    }

    static byte[] fetch(String path, String body) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(BACKEND.baseUrl() + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The demo backend's input count: a quarter of the request body's bytes. */
    static long input(String body) {
        return Math.max(1, body.getBytes(StandardCharsets.UTF_8).length / 4);
    }

    static final String ANTHROPIC = "{\"model\":\"m\",\"max_tokens\":37,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how are you?\"}]";
    static final String CHAT = "{\"model\":\"m\",\"max_completion_tokens\":23,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]";
    static final String RESPONSES = "{\"model\":\"m\",\"max_output_tokens\":41,\"input\":\"Hello from the responses API\"";

    private Usage meterInTwoPieces(byte[] bytes, int cut, boolean sse) {
        ResponseMeter m = sse ? ResponseMeter.sse(factory, false, 0, null) : ResponseMeter.json(factory, 0, null);
        m.feed(ByteBuffer.wrap(bytes, 0, cut));
        m.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut));
        return m.usage(true);
    }

    private void assertExactWhereverCut(String path, String body, boolean sse, long output) throws Exception {
        byte[] bytes = fetch(path, body);
        for (int cut = 0; cut <= bytes.length; cut++) {
            Usage u = meterInTwoPieces(bytes, cut, sse);
            assertThat(u).as("%s stream=%s cut at %d", path, sse, cut).isEqualTo(new Usage(input(body), output, true));
        }
        ResponseMeter byteByByte = sse ? ResponseMeter.sse(factory, false, 0, null) : ResponseMeter.json(factory, 0, null);
        for (byte b : bytes) {
            byteByByte.feed(ByteBuffer.wrap(new byte[]{b}));
        }
        assertThat(byteByByte.usage(true)).isEqualTo(new Usage(input(body), output, true));
    }

    @Test
    void anthropicMessageUsageIsReadFromJsonAndFromMessageStartAndMessageDelta() throws Exception {
        assertExactWhereverCut("/v1/messages", ANTHROPIC + "}", false, 37);
        String streamed = ANTHROPIC + ",\"stream\":true}";
        assertExactWhereverCut("/v1/messages", streamed, true, 37);
    }

    @Test
    void chatCompletionUsageIsReadFromJsonAndFromTheFinalChunk() throws Exception {
        assertExactWhereverCut("/v1/chat/completions", CHAT + "}", false, 23);
        String streamed = CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        assertExactWhereverCut("/v1/chat/completions", streamed, true, 23);
    }

    @Test
    void responsesUsageIsReadFromJsonAndFromResponseCompleted() throws Exception {
        assertExactWhereverCut("/v1/responses", RESPONSES + "}", false, 41);
        assertExactWhereverCut("/v1/responses", RESPONSES + ",\"stream\":true}", true, 41);
    }

    @Test
    void theUsageOnlyChunkIsRemovedAndEverythingElsePassesByteForByte() throws Exception {
        String streamed = CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        byte[] bytes = fetch("/v1/chat/completions", streamed);
        String text = new String(bytes, StandardCharsets.UTF_8);
        String usageChunk = text.lines().filter(l -> l.contains("\"choices\":[]")).findFirst().orElseThrow();
        String expected = text.replace(usageChunk + "\n\n", "");
        assertThat(expected).isNotEqualTo(text).contains("data: [DONE]");

        for (int cut : new int[]{1, 17, bytes.length / 2, bytes.length - 3}) {
            ResponseMeter m = ResponseMeter.sse(factory, true, 0, null);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            m.feed(ByteBuffer.wrap(bytes, 0, cut));
            out.writeBytes(m.forwardable());
            m.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut));
            out.writeBytes(m.forwardable());
            out.writeBytes(m.remainder());
            assertThat(out.toString(StandardCharsets.UTF_8)).as("cut at %d", cut).isEqualTo(expected);
            assertThat(m.usage(true)).isEqualTo(new Usage(input(streamed), 23, true));
        }
    }

    @Test
    void aStreamCutShortIsEstimatedFromTheStreamedTextAndThePrompt() throws Exception {
        String streamed = CHAT + ",\"stream\":true}"; // no include_usage: the stream carries no usage
        byte[] bytes = fetch("/v1/chat/completions", streamed);
        ResponseMeter m = ResponseMeter.sse(factory, false, 400, null);
        m.feed(ByteBuffer.wrap(bytes, 0, bytes.length / 2));
        Usage half = m.usage(false);
        assertThat(half.reported()).isFalse();
        assertThat(half.inputTokens()).as("400 prompt characters").isEqualTo(100);
        assertThat(half.outputTokens()).isBetween(3L, 23L);

        ResponseMeter anthropic = ResponseMeter.sse(factory, false, 400, null);
        byte[] a = fetch("/v1/messages", ANTHROPIC + ",\"stream\":true}");
        anthropic.feed(ByteBuffer.wrap(a, 0, a.length * 2 / 3));
        Usage partial = anthropic.usage(false);
        assertThat(partial.inputTokens()).as("message_start reported the input").isEqualTo(input(ANTHROPIC + ",\"stream\":true}"));
        assertThat(partial.outputTokens()).isBetween(5L, 37L);
    }

    @Test
    void aBodyThatIsNotJsonIsEstimatedInsteadOfFailing() {
        ResponseMeter m = ResponseMeter.json(factory, 40, null);
        m.feed(ByteBuffer.wrap("<html>oops</html>".getBytes(StandardCharsets.UTF_8)));
        assertThat(m.usage(true)).isEqualTo(new Usage(10, 0, false));
    }
}
