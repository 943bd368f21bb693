package io.extractionguard.gateway.degrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Batches under a decision that degrades ({@code policies/degrade.yaml}: the gray band), through the real
 * filter to the demo backend, which records the batch it was sent: a Message Batch's items go with their
 * thinking off (their answers are fetched later, unfiltered); an OpenAI batch file is refused; an OpenAI
 * batch start is decided on the account's standing now and charges the file's items each time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class DegradedBatchesTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        registry.add("guard.policy.path", () -> "src/test/resources/policies/degrade.yaml");
    }

    @Autowired
    WebTestClient client;

    @Autowired
    StateStore store;

    static String params(String text) {
        return "{\"model\":\"claude-test\",\"max_tokens\":8000,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":6000},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    static String messageBatch(String... texts) {
        StringBuilder b = new StringBuilder("{\"requests\":[");
        for (int i = 0; i < texts.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"custom_id\":\"r").append(i).append("\",\"params\":")
                    .append(params(texts[i])).append('}');
        }
        return b.append("]}").toString();
    }

    static String upload(String text) {
        String line = "{\"custom_id\":\"r\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-test\",\"max_tokens\":16,\"reasoning_effort\":\"high\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}\n";
        return "--b1\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b1\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" + line + line + line
                + "\r\n--b1--\r\n";
    }

    private WebTestClient.ResponseSpec post(String account, String path, MediaType type, String body) {
        return client.post().uri(path).header("x-account-id", account).contentType(type).bodyValue(body).exchange();
    }

    /** Uploads a plain batch file for {@code account} and returns the body that starts it. */
    private String startOfAPlainFile(String account) {
        MediaType multipart = MediaType.parseMediaType("multipart/form-data; boundary=b1");
        String fileId = JSON.readTree(post(account, "/v1/files", multipart, upload(DegradeBandTest.PLAIN))
                .expectStatus().isOk().expectBody().returnResult().getResponseBodyContent()).path("id").asString();
        return "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\"}";
    }

    private static JsonNode forwarded() {
        return JSON.readTree(TestBackend.get().lastRequest().orElseThrow().body());
    }

    @Test
    void aMessageBatchInTheGrayBandGoesWithEveryItemsThinkingOff() {
        String account = "acct-batch-gray-" + UUID.randomUUID();
        post(account, "/v1/messages/batches", MediaType.APPLICATION_JSON,
                messageBatch(DegradeBandTest.PLAIN, DegradeBandTest.GRAY, DegradeBandTest.PLAIN))
                .expectStatus().isOk().expectBody().returnResult();
        JsonNode items = forwarded().path("requests");
        assertThat(items).hasSize(3);
        for (JsonNode item : items) {
            // capped on a single request whose answer is filtered; a batch's answers are not: off
            assertThat(item.path("params").path("thinking").path("type").asString()).as("%s", item)
                    .isEqualTo("disabled");
            assertThat(item.path("params").path("messages")).hasSize(1);
        }
        assertThat(items.get(1).path("custom_id").asString()).isEqualTo("r1");

        // below the band the batch is forwarded byte for byte
        String plain = messageBatch(DegradeBandTest.PLAIN);
        post("acct-batch-plain-" + UUID.randomUUID(), "/v1/messages/batches", MediaType.APPLICATION_JSON, plain)
                .expectStatus().isOk().expectBody().returnResult();
        assertThat(TestBackend.get().lastRequest().orElseThrow().body()).isEqualTo(plain.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anOpenAiBatchFileInTheGrayBandIsRefusedAndCannotBeStarted() {
        MediaType multipart = MediaType.parseMediaType("multipart/form-data; boundary=b1");
        long before = TestBackend.get().requestCount();
        byte[] refused = post("acct-file-gray-" + UUID.randomUUID(), "/v1/files", multipart, upload(DegradeBandTest.GRAY))
                .expectStatus().isForbidden()
                .expectBody().returnResult().getResponseBodyContent();
        assertThat(JSON.readTree(refused).path("error").path("message").asString()).contains("one at a time");
        assertThat(TestBackend.get().requestCount()).isEqualTo(before);
        post("acct-file-plain-" + UUID.randomUUID(), "/v1/files", multipart, upload(DegradeBandTest.PLAIN))
                .expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void anOpenAiBatchStartIsADecisionOfItsOwnEveryTime() {
        String account = "acct-start-" + UUID.randomUUID();
        String create = startOfAPlainFile(account);
        long before = TestBackend.get().requestCount();
        for (int i = 0; i < 2; i++) {
            // each start is decided and charged (the limit headers are a decision's; the engine test counts them)
            post(account, "/v1/batches", MediaType.APPLICATION_JSON, create).expectStatus().isOk()
                    .expectHeader().exists("x-ratelimit-remaining-requests").expectBody().returnResult();
        }
        assertThat(TestBackend.get().requestCount()).isEqualTo(before + 6);

        // blocked after the upload: the evaluated file no longer starts anything
        store.putVerdict(account, new Verdict(Verdict.Kind.BLOCK, Instant.now().plusSeconds(600), "band/block",
                List.of("cot-elicitation"), ""));
        byte[] blocked = post(account, "/v1/batches", MediaType.APPLICATION_JSON, create)
                .expectStatus().isForbidden().expectBody().returnResult().getResponseBodyContent();
        assertThat(JSON.readTree(blocked).path("error").has("message")).as("OpenAI's error format").isTrue();
        assertThat(TestBackend.get().requestCount()).isEqualTo(before + 6);
    }

    @Test
    void aGzippedBatchStartIsForwardedAsTheDecodedBodyItWasDecidedOn() throws Exception {
        String account = "acct-start-gzip-" + UUID.randomUUID();
        String create = startOfAPlainFile(account);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(create.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        client.post().uri("/v1/batches").header("x-account-id", account).header("content-encoding", "gzip")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(gz.toByteArray()).exchange()
                .expectStatus().isOk().expectBody().returnResult();
        // the guard decoded the body to decide it and forwards that body: labelled gzip, the upstream would
        // inflate plain JSON (an error at best, a differently read request at worst)
        var received = TestBackend.get().lastRequest().orElseThrow();
        assertThat(received.path()).isEqualTo("/v1/batches");
        assertThat(received.headers()).doesNotContainKey("content-encoding");
        assertThat(new String(received.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(create);
    }
}
