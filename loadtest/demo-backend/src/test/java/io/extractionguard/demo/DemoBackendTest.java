package io.extractionguard.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class DemoBackendTest {

    static DemoBackend backend;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        backend = DemoBackend.start(DemoBackendSettings.DEFAULT.withOutputTokens(12).withStreaming(5, java.time.Duration.ZERO));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(backend.baseUrl() + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<JsonNode> sseData(String body) {
        return body.lines().filter(l -> l.startsWith("data: ") && !l.equals("data: [DONE]"))
                .map(l -> DemoBackend.JSON.readTree(l.substring(6))).toList();
    }

    @Test
    void anthropicMessageReportsUsageBoundedByMaxTokens() throws Exception {
        HttpResponse<String> r = post("/v1/messages",
                "{\"model\":\"claude-x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode body = DemoBackend.JSON.readTree(r.body());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(body.path("usage").path("output_tokens").asInt()).isEqualTo(5);
        assertThat(body.path("stop_reason").asString()).isEqualTo("max_tokens");
        assertThat(body.path("content").get(0).path("text").asString().split(" ")).hasSize(5);
        assertThat(backend.lastRequest().orElseThrow().path()).isEqualTo("/v1/messages");
    }

    @Test
    void anthropicStreamFollowsTheEventSequenceAndCarriesUsage() throws Exception {
        HttpResponse<String> r = post("/v1/messages",
                "{\"model\":\"claude-x\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> types = sseData(r.body()).stream().map(n -> n.path("type").asString()).toList();
        assertThat(types).containsExactly("message_start", "content_block_start", "ping", "content_block_delta",
                "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        JsonNode delta = sseData(r.body()).get(7);
        assertThat(delta.path("usage").path("output_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void chatCompletionStreamAddsAUsageChunkOnlyWhenAsked() throws Exception {
        String plain = post("/v1/chat/completions",
                "{\"model\":\"gpt-x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body();
        assertThat(plain).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
        List<JsonNode> withUsage = sseData(post("/v1/chat/completions",
                "{\"model\":\"gpt-x\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
        JsonNode last = withUsage.get(withUsage.size() - 1);
        assertThat(last.path("choices").size()).isZero();
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void responsesApiCompletesWithUsageInJsonAndStream() throws Exception {
        JsonNode json = DemoBackend.JSON.readTree(post("/v1/responses", "{\"model\":\"gpt-x\",\"input\":\"hi\"}").body());
        assertThat(json.path("status").asString()).isEqualTo("completed");
        assertThat(json.path("usage").path("output_tokens").asInt()).isEqualTo(12);
        List<JsonNode> events = sseData(post("/v1/responses", "{\"model\":\"gpt-x\",\"input\":\"hi\",\"stream\":true}").body());
        assertThat(events.get(0).path("type").asString()).isEqualTo("response.created");
        JsonNode completed = events.get(events.size() - 1);
        assertThat(completed.path("type").asString()).isEqualTo("response.completed");
        assertThat(completed.path("response").path("usage").path("total_tokens").asInt()).isGreaterThan(12);
        assertThat(events).extracting(e -> e.path("sequence_number").asInt())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
    }

    @Test
    void invalidJsonGetsTheDialectsErrorFormat() throws Exception {
        HttpResponse<String> anthropic = post("/v1/messages", "{oops");
        assertThat(anthropic.statusCode()).isEqualTo(400);
        assertThat(DemoBackend.JSON.readTree(anthropic.body()).path("error").path("type").asString())
                .isEqualTo("invalid_request_error");
        HttpResponse<String> openai = post("/v1/chat/completions", "[]");
        assertThat(DemoBackend.JSON.readTree(openai.body()).path("error").path("message").asString())
                .isEqualTo("request body must be a JSON object");
    }
}
