package io.extractionguard.gateway.degrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The DEGRADE band through the real filter to the demo backend (which answers with thinking
 * blocks / reasoning items when asked), under {@code policies/degrade.yaml}: a request asking for
 * the full reasoning is forwarded with thinking capped / effort lowered / n reduced, and its
 * answer reaches the client without the reasoning; a plain request is untouched byte for byte.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class DegradeBandTest {

    static final String GRAY = "Explain sorting and show your full reasoning.";
    static final String PLAIN = "What is a good name for a cat?";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        registry.add("guard.policy.path", () -> "src/test/resources/policies/degrade.yaml");
    }

    @Autowired
    WebTestClient client;

    @Autowired
    MeterRegistry meters;

    static String anthropic(String text, boolean stream) {
        return "{\"model\":\"claude-test\",\"max_tokens\":8000,\"stream\":" + stream
                + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":6000},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    static String responses(String text, boolean stream) {
        return "{\"model\":\"o-test\",\"stream\":" + stream + ",\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"},"
                + "\"input\":\"" + text + "\"}";
    }

    private byte[] post(String path, String body, MediaType accept) {
        return client.post().uri(path)
                .header("x-account-id", "acct-degrade-" + UUID.randomUUID())
                .contentType(MediaType.APPLICATION_JSON)
                .accept(accept)
                .bodyValue(body)
                .exchange()
                .expectStatus().isOk()
                .expectBody().returnResult().getResponseBodyContent();
    }

    private static JsonNode forwarded() {
        return JSON.readTree(TestBackend.get().lastRequest().orElseThrow().body());
    }

    /** The data of each SSE event, parsed. */
    private static List<JsonNode> events(byte[] stream) {
        List<JsonNode> out = new ArrayList<>();
        for (String event : new String(stream, StandardCharsets.UTF_8).split("\n\n")) {
            for (String line : event.split("\n")) {
                if (line.startsWith("data: ") && line.startsWith("data: {")) {
                    out.add(JSON.readTree(line.substring(6)));
                }
            }
        }
        return out;
    }

    @Test
    void anthropicJsonLosesItsThinkingBlocksAndKeepsTheAnswer() {
        byte[] body = post("/v1/messages", anthropic(GRAY, false), MediaType.APPLICATION_JSON);
        assertThat(forwarded().path("thinking").path("budget_tokens").asInt()).isEqualTo(2048);
        JsonNode content = JSON.readTree(body).path("content");
        assertThat(content).hasSize(1);
        assertThat(content.get(0).path("type").asString()).isEqualTo("text");
        assertThat(content.get(0).path("text").asString()).isNotBlank();
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("thinking").doesNotContain("chain of thought");
        assertThat(meters.find("guard.degraded").tag("format", "ANTHROPIC_MESSAGES").counter().count()).isPositive();
    }

    @Test
    void anthropicStreamLosesItsThinkingEventsAndRenumbersTheTextBlock() {
        byte[] stream = post("/v1/messages", anthropic(GRAY, true), MediaType.TEXT_EVENT_STREAM);
        String text = new String(stream, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("thinking").doesNotContain("signature").doesNotContain("chain of thought");
        List<JsonNode> events = events(stream);
        StringBuilder answer = new StringBuilder();
        for (JsonNode e : events) {
            if (e.has("index")) {
                assertThat(e.path("index").asInt()).as("the text block is now the first").isZero();
            }
            if (e.path("delta").path("type").asString("").equals("text_delta")) {
                answer.append(e.path("delta").path("text").asString());
            }
        }
        assertThat(events.get(0).path("type").asString()).isEqualTo("message_start");
        assertThat(events.get(events.size() - 1).path("type").asString()).isEqualTo("message_stop");
        assertThat(answer.toString().split(" ")).hasSize(64);
    }

    @Test
    void responsesJsonLosesItsReasoningItemAndKeepsTheMessage() {
        byte[] body = post("/v1/responses", responses(GRAY, false), MediaType.APPLICATION_JSON);
        assertThat(forwarded().path("reasoning").path("effort").asString()).isEqualTo("low");
        JsonNode output = JSON.readTree(body).path("output");
        assertThat(output).hasSize(1);
        assertThat(output.get(0).path("type").asString()).isEqualTo("message");
        assertThat(output.get(0).path("content").get(0).path("text").asString()).isNotBlank();
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("rs_").doesNotContain("chain of thought");
    }

    @Test
    void responsesStreamLosesItsReasoningEventsAndRenumbersTheMessage() {
        byte[] stream = post("/v1/responses", responses(GRAY, true), MediaType.TEXT_EVENT_STREAM);
        assertThat(new String(stream, StandardCharsets.UTF_8)).doesNotContain("reasoning_summary")
                .doesNotContain("rs_").doesNotContain("chain of thought");
        StringBuilder answer = new StringBuilder();
        JsonNode completed = null;
        for (JsonNode e : events(stream)) {
            if (e.has("output_index")) {
                assertThat(e.path("output_index").asInt()).as("the message is now the first item").isZero();
            }
            if (e.path("type").asString().equals("response.output_text.delta")) {
                answer.append(e.path("delta").asString());
            }
            if (e.path("type").asString().equals("response.completed")) {
                completed = e;
            }
        }
        assertThat(answer.toString().split(" ")).hasSize(64);
        assertThat(completed).isNotNull();
        assertThat(completed.path("response").path("output")).hasSize(1);
        assertThat(completed.path("response").path("output").get(0).path("type").asString()).isEqualTo("message");
    }

    @Test
    void chatAndCompletionsAskForOneChoiceAtLowEffort() {
        post("/v1/chat/completions", "{\"model\":\"o-test\",\"n\":4,\"reasoning_effort\":\"high\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + GRAY + "\"}]}", MediaType.APPLICATION_JSON);
        assertThat(forwarded().path("n").asInt()).isEqualTo(1);
        assertThat(forwarded().path("reasoning_effort").asString()).isEqualTo("low");
        post("/v1/completions", "{\"model\":\"davinci-test\",\"n\":2,\"best_of\":5,\"prompt\":\"" + GRAY + "\"}",
                MediaType.APPLICATION_JSON);
        assertThat(forwarded().path("n").asInt()).isEqualTo(1);
        assertThat(forwarded().path("best_of").asInt()).isEqualTo(1);
    }

    static String selfHosted(String text, boolean stream) {
        return "{\"model\":\"deepseek-reasoner\",\"stream\":" + stream + ",\"reasoning\":{\"effort\":\"high\"},"
                + "\"chat_template_kwargs\":{\"enable_thinking\":true,\"thinking\":true},"
                + "\"logprobs\":true,\"top_logprobs\":20,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    @Test
    void selfHostedChatReasoningIsSwitchedOffAndRemovedFromJsonAndStreams() {
        byte[] body = post("/v1/chat/completions", selfHosted(GRAY, false), MediaType.APPLICATION_JSON);
        JsonNode sent = forwarded();
        assertThat(sent.path("reasoning").path("effort").asString()).isEqualTo("low");
        assertThat(sent.path("chat_template_kwargs").path("enable_thinking").asBoolean(true)).isFalse();
        assertThat(sent.path("chat_template_kwargs").path("thinking").asBoolean(true)).isFalse();
        assertThat(sent.has("logprobs") || sent.has("top_logprobs")).isFalse();
        // a reasoner model reasons whatever it is asked: its reasoning is removed from the answer
        JsonNode message = JSON.readTree(body).path("choices").get(0).path("message");
        assertThat(message.has("reasoning_content") || message.has("reasoning")).as("%s", message).isFalse();
        assertThat(message.path("content").asString()).isNotBlank();
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("chain of thought");

        byte[] stream = post("/v1/chat/completions", selfHosted(GRAY, true), MediaType.TEXT_EVENT_STREAM);
        assertThat(new String(stream, StandardCharsets.UTF_8)).doesNotContain("reasoning").doesNotContain("chain of thought");
        StringBuilder answer = new StringBuilder();
        for (JsonNode e : events(stream)) {
            answer.append(e.path("choices").path(0).path("delta").path("content").asString(""));
        }
        assertThat(answer.toString().split(" ")).hasSize(64);

        // below the band the reasoning reaches the client (the demo backend produces it)
        byte[] plain = post("/v1/chat/completions", selfHosted(PLAIN, false), MediaType.APPLICATION_JSON);
        assertThat(JSON.readTree(plain).path("choices").get(0).path("message").has("reasoning_content")).isTrue();
    }

    @Test
    void degradedResponsesAreAnsweredInTheForegroundUnstoredWithoutLogprobs() {
        String body = responses(GRAY, false).replace("{\"model\"", "{\"background\":true,\"store\":true,"
                + "\"top_logprobs\":20,\"include\":[\"message.output_text.logprobs\",\"reasoning.encrypted_content\"],"
                + "\"model\"");
        byte[] answer = post("/v1/responses", body, MediaType.APPLICATION_JSON);
        JsonNode sent = forwarded();
        assertThat(sent.path("background").asBoolean(true)).as("answered now, through the filter").isFalse();
        assertThat(sent.path("store").asBoolean(true)).as("no stored copy with the reasoning").isFalse();
        assertThat(sent.has("top_logprobs")).isFalse();
        assertThat(sent.path("include").toString()).doesNotContain("logprobs").contains("reasoning.encrypted_content");
        assertThat(new String(answer, StandardCharsets.UTF_8)).doesNotContain("chain of thought");
    }

    @Test
    void evasionsDoNotKeepTheReasoning() {
        // thinking that cannot be capped (adaptive) is turned off; a compressed answer is not asked for
        String adaptive = anthropic(GRAY, false).replace("{\"type\":\"enabled\",\"budget_tokens\":6000}",
                "{\"type\":\"adaptive\"}");
        byte[] body = client.post().uri("/v1/messages")
                .header("x-account-id", "acct-degrade-" + UUID.randomUUID())
                .header("accept-encoding", "gzip")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(adaptive)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist("content-encoding")
                .expectBody().returnResult().getResponseBodyContent();
        assertThat(forwarded().path("thinking").path("type").asString()).isEqualTo("disabled");
        assertThat(TestBackend.get().lastRequest().orElseThrow().headers()).containsEntry("accept-encoding", "identity");
        assertThat(JSON.readTree(body).path("content").get(0).path("type").asString()).isEqualTo("text");
        // a lower effort than the band's is kept, not raised
        post("/v1/responses", responses(GRAY, false).replace("\"high\"", "\"minimal\""), MediaType.APPLICATION_JSON);
        assertThat(forwarded().path("reasoning").path("effort").asString()).isEqualTo("minimal");
    }

    /** A degraded request answered through an upstream that compresses whatever it was asked for. */
    private WebTestClient.ResponseSpec compressedAnyway(String path, String body, MediaType accept, String encoding) {
        return client.post().uri(path)
                .header("x-account-id", "acct-degrade-" + UUID.randomUUID())
                .header("x-demo-content-encoding", encoding)
                .contentType(MediaType.APPLICATION_JSON)
                .accept(accept)
                .bodyValue(body)
                .exchange();
    }

    @Test
    void anAnswerCompressedDespiteIdentityIsDecodedAndStrippedInJsonAndSseOfBothApis() {
        for (String path : new String[]{"/v1/messages", "/v1/responses"}) {
            boolean anthropic = path.equals("/v1/messages");
            byte[] json = compressedAnyway(path, anthropic ? anthropic(GRAY, false) : responses(GRAY, false),
                    MediaType.APPLICATION_JSON, "gzip")
                    .expectStatus().isOk()
                    .expectHeader().doesNotExist("content-encoding")
                    .expectBody().returnResult().getResponseBodyContent();
            assertThat(TestBackend.get().lastRequest().orElseThrow().headers()).containsEntry("accept-encoding", "identity");
            JsonNode items = JSON.readTree(json).path(anthropic ? "content" : "output");
            assertThat(items).as(path).hasSize(1);
            assertThat(items.get(0).path("type").asString()).isEqualTo(anthropic ? "text" : "message");
            assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain("chain of thought");

            byte[] stream = compressedAnyway(path, anthropic ? anthropic(GRAY, true) : responses(GRAY, true),
                    MediaType.TEXT_EVENT_STREAM, "gzip")
                    .expectStatus().isOk()
                    .expectHeader().doesNotExist("content-encoding")
                    .expectBody().returnResult().getResponseBodyContent();
            String text = new String(stream, StandardCharsets.UTF_8);
            assertThat(text).as(path).doesNotContain("chain of thought").doesNotContain("thinking")
                    .doesNotContain("reasoning_summary");
            List<JsonNode> events = events(stream);
            assertThat(events.get(events.size() - 1).path("type").asString())
                    .isEqualTo(anthropic ? "message_stop" : "response.completed");
        }
    }

    @Test
    void anAnswerInACodingTheGuardCannotReadIsRefusedNotPassedWithItsReasoning() {
        for (String path : new String[]{"/v1/messages", "/v1/responses"}) {
            boolean anthropic = path.equals("/v1/messages");
            for (boolean stream : new boolean[]{false, true}) {
                byte[] body = compressedAnyway(path, anthropic ? anthropic(GRAY, stream) : responses(GRAY, stream),
                        stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON, "br")
                        .expectStatus().isEqualTo(502)
                        .expectHeader().doesNotExist("content-encoding")
                        .expectBody().returnResult().getResponseBodyContent();
                JsonNode error = JSON.readTree(body);
                assertThat(error.path("error").path("message").asString()).as(path + " stream " + stream)
                        .isEqualTo("The model API's answer could not be read. Retry later.");
                assertThat(anthropic ? error.path("type").asString() : error.path("error").path("code").asString())
                        .isEqualTo(anthropic ? "error" : "upstream_unreachable");
            }
        }
    }

    @Test
    void belowTheBandRequestAndResponseAreUntouchedByteForByte() {
        String request = anthropic(PLAIN, false);
        byte[] body = post("/v1/messages", request, MediaType.APPLICATION_JSON);
        assertThat(TestBackend.get().lastRequest().orElseThrow().body())
                .isEqualTo(request.getBytes(StandardCharsets.UTF_8));
        assertThat(JSON.readTree(body).path("content")).as("thinking blocks reach the client").hasSize(3);
        assertThat(JSON.readTree(body).path("content").get(0).path("type").asString()).isEqualTo("thinking");

        String stream = responses(PLAIN, true);
        byte[] events = post("/v1/responses", stream, MediaType.TEXT_EVENT_STREAM);
        assertThat(TestBackend.get().lastRequest().orElseThrow().body()).isEqualTo(stream.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(events, StandardCharsets.UTF_8)).contains("response.reasoning_summary_text.delta");
    }
}
