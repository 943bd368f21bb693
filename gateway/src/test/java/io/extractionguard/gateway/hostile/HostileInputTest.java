package io.extractionguard.gateway.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.support.TestBackend;

/**
 * Hostile bodies and headers: each is answered in the API's error format with a precise message,
 * never a 500, never a stack trace, and nothing reaches the model backend.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class HostileInputTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private EntityExchangeResult<byte[]> post(String path, byte[] body, String encoding) {
        WebTestClient.RequestBodySpec spec = client.post().uri(path).header("x-account-id", "acct-" + UUID.randomUUID())
                .contentType(MediaType.APPLICATION_JSON);
        if (encoding != null) {
            spec = spec.header("Content-Encoding", encoding);
        }
        return spec.bodyValue(body).exchange().expectBody().returnResult();
    }

    private static String text(EntityExchangeResult<byte[]> r) {
        return r.getResponseBody() == null ? "" : new String(r.getResponseBody(), StandardCharsets.UTF_8);
    }

    private static void noLeak(EntityExchangeResult<byte[]> r) {
        assertThat(r.getStatus().value()).isNotEqualTo(500);
        assertThat(text(r)).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("java.");
    }

    @Test
    void gzipBodyIsInspectedAndForwardedAsSent() throws Exception {
        byte[] body = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] compressed = gzip(body);
        EntityExchangeResult<byte[]> r = post("/v1/messages", compressed, "gzip");
        // the demo backend does not decode gzip: it answers 400, which proves the bytes were forwarded compressed
        var received = TestBackend.get().lastRequest().orElseThrow();
        assertThat(received.body()).isEqualTo(compressed);
        assertThat(received.headers()).containsEntry("content-encoding", "gzip");
        noLeak(r);
    }

    @Test
    void gzipBombIsRefusedWith413() throws Exception {
        long before = TestBackend.get().requestCount();
        EntityExchangeResult<byte[]> r = post("/v1/chat/completions", gzip(new byte[32 << 20]), "gzip");
        assertThat(r.getStatus().value()).isEqualTo(413);
        // 32 MiB of zeros: the 1 MiB cap stops inflation long before the ratio limit would
        assertThat(text(r)).contains("\"code\":\"request_too_large\"",
                "decompressed request body is larger than the 1048576-byte limit");
        assertThat(TestBackend.get().requestCount()).isEqualTo(before);
    }

    @Test
    void unsupportedAndCorruptEncodingsAreNamed() {
        EntityExchangeResult<byte[]> br = post("/v1/messages", "{}".getBytes(), "br");
        assertThat(br.getStatus().value()).isEqualTo(415);
        assertThat(text(br)).contains("content-encoding 'br' is not supported");
        EntityExchangeResult<byte[]> corrupt = post("/v1/messages", "not gzip at all".getBytes(), "gzip");
        assertThat(corrupt.getStatus().value()).isEqualTo(400);
        assertThat(text(corrupt)).contains("gzip body is corrupt");
    }

    @Test
    void deeplyNestedHugeAndInvalidBodiesGetPreciseErrors() {
        String nested = "{\"model\":\"m\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + ",\"messages\":[]}";
        EntityExchangeResult<byte[]> deep = post("/v1/chat/completions", nested.getBytes(), null);
        assertThat(deep.getStatus().value()).isEqualTo(413);
        assertThat(text(deep)).contains("nesting depth 64");
        noLeak(deep);

        byte[] invalidUtf8 = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\u00ff\"}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        EntityExchangeResult<byte[]> utf8 = post("/v1/chat/completions", invalidUtf8, null);
        assertThat(utf8.getStatus().value()).isEqualTo(400);
        noLeak(utf8);

        EntityExchangeResult<byte[]> absurd = post("/v1/messages",
                "{\"model\":\"m\",\"max_tokens\":9223372036854775807,\"messages\":[]}".getBytes(), null);
        assertThat(absurd.getStatus().value()).isEqualTo(400);
        assertThat(text(absurd)).contains("max_tokens: must be between 1 and 1000000");

        String manyMessages = "{\"model\":\"m\",\"messages\":[" + "{\"role\":\"user\",\"content\":\"a\"},".repeat(40_000)
                + "{\"role\":\"user\",\"content\":\"b\"}]}";
        EntityExchangeResult<byte[]> huge = post("/v1/chat/completions", manyMessages.getBytes(), null);
        assertThat(huge.getStatus().value()).isIn(200, 413);
        noLeak(huge);
    }

    @Test
    void identityHeaderInjectionIsNotTrusted(CapturedOutput output) {
        client.post().uri("/v1/messages")
                .header("x-account-id", "acct-1 ; drop table")
                .header("x-account-tier", "enterprise;role=admin")
                .header("x-api-key", "sk-live-injection-test")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isOk()
                // the invalid tier is dropped: the free tier's limits apply
                .expectHeader().valueEquals("RateLimit-Policy", "\"requests\";q=10;w=60");
        String decision = output.getOut().lines().filter(l -> l.contains("\"stripped_headers\":2")).findFirst().orElseThrow();
        assertThat(decision).contains("\"account_source\":\"CREDENTIAL\"").doesNotContain("drop table");
        assertThat(output.getAll()).doesNotContain("sk-live-injection-test");
    }
}
