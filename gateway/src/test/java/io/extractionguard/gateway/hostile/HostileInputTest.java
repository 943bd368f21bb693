package io.extractionguard.gateway.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;

import io.extractionguard.gateway.support.Await;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
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

    @LocalServerPort
    int port;

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
    void identityHeaderInjectionIsNotTrusted(CapturedOutput output) throws InterruptedException {
        client.post().uri("/v1/messages")
                .header("x-account-id", "acct-1 ; drop table")
                .header("x-account-tier", "enterprise;role=admin")
                .header("x-api-key", "sk-live-injection-test")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isOk()
                // the invalid tier is dropped: the free tier's limits apply
                .expectHeader().valueEquals("RateLimit-Policy", "\"requests\";q=10;w=60").expectBody();
        String decision = Await.logLine(output, l -> l.contains("\"stripped_headers\":2"));
        assertThat(decision).contains("\"account_source\":\"CREDENTIAL\"").doesNotContain("drop table");
        assertThat(output.getAll()).doesNotContain("sk-live-injection-test");
    }

    private EntityExchangeResult<byte[]> postRaw(String path, byte[] body, String contentType) {
        WebTestClient.RequestBodySpec spec = client.post().uri(path).header("x-account-id", "acct-" + UUID.randomUUID());
        if (contentType != null) {
            spec = spec.header("Content-Type", contentType);
        }
        return spec.bodyValue(body).exchange().expectBody().returnResult();
    }

    @Test
    void truncatedJsonIsA400InEachApisFormatWhereverItIsCut() {
        String anthropic = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        long before = TestBackend.get().requestCount();
        for (int cut : new int[]{1, 9, 30, 52, anthropic.length() - 1}) {
            byte[] truncated = anthropic.substring(0, cut).getBytes(StandardCharsets.UTF_8);
            EntityExchangeResult<byte[]> a = post("/v1/messages", truncated, null);
            assertThat(a.getStatus().value()).as("cut at %d", cut).isEqualTo(400);
            assertThat(text(a)).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\"");
            noLeak(a);
            EntityExchangeResult<byte[]> o = post("/v1/chat/completions", truncated, null);
            assertThat(o.getStatus().value()).isEqualTo(400);
            assertThat(text(o)).startsWith("{\"error\":{").contains("\"type\":\"invalid_request_error\"");
            noLeak(o);
        }
        EntityExchangeResult<byte[]> empty = post("/v1/messages", new byte[0], null);
        assertThat(empty.getStatus().value()).isEqualTo(400);
        noLeak(empty);
        assertThat(TestBackend.get().requestCount()).isEqualTo(before);
    }

    @Test
    void aMissingContentTypeIsReadAsJsonAndAWrongOneIs415InTheApisFormat() throws Exception {
        byte[] valid = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(postRaw("/v1/messages", valid, null).getStatus().value()).isEqualTo(200);
        EntityExchangeResult<byte[]> garbage = postRaw("/v1/messages", "hello".getBytes(), null);
        assertThat(garbage.getStatus().value()).isEqualTo(400);
        noLeak(garbage);
        for (String type : new String[]{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/xml"}) {
            EntityExchangeResult<byte[]> o = postRaw("/v1/chat/completions", valid, type);
            assertThat(o.getStatus().value()).as(type).isEqualTo(415);
            assertThat(text(o)).startsWith("{\"error\":{").contains("content-type must be application/json");
            EntityExchangeResult<byte[]> a = postRaw("/v1/messages", valid, type);
            assertThat(a.getStatus().value()).as(type).isEqualTo(415);
            assertThat(text(a)).startsWith("{\"type\":\"error\"");
        }
        // a malformed type or parameter never surfaces as an exception (sent raw: WebClient would refuse it)
        for (String type : new String[]{"application/json; charset", "application/", ";;;", "application/json; charset=bogus-9"}) {
            HttpResponse<String> broken = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/messages"))
                    .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(valid)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(broken.statusCode()).as(type).isIn(200, 415);
            assertThat(broken.body()).doesNotContain("Exception").doesNotContain("java.");
        }
    }

    @Test
    void aHugeStringUnderTheCapIsEvaluatedAndOneOverItIsRefused() {
        String inside = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "w ".repeat(500_000) + "\"}]}";
        EntityExchangeResult<byte[]> ok = post("/v1/messages", inside.getBytes(StandardCharsets.UTF_8), null);
        assertThat(ok.getStatus().value()).isEqualTo(200);
        // 600k escaped characters: ~3.6 MB on the wire, refused by the 1 MiB cap before parsing
        String escaped = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "\\u00e9".repeat(600_000) + "\"}]}";
        EntityExchangeResult<byte[]> over = post("/v1/messages", escaped.getBytes(StandardCharsets.UTF_8), null);
        assertThat(over.getStatus().value()).isEqualTo(413);
        assertThat(text(over)).contains("request_too_large");
        String hugeArray = "{\"model\":\"m\",\"max_tokens\":4,\"stop_sequences\":[" + "\"s\",".repeat(200_000)
                + "\"s\"],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        EntityExchangeResult<byte[]> array = post("/v1/messages", hugeArray.getBytes(StandardCharsets.UTF_8), null);
        assertThat(array.getStatus().value()).isIn(200, 400, 413);
        noLeak(array);
    }

    @Test
    void absurdMaxTokensInEitherDialectIsA400NamingTheField() {
        for (String value : new String[]{"-1", "0", "1e308", "\"lots\"", "99999999999999999999999", "1.5"}) {
            EntityExchangeResult<byte[]> a = post("/v1/messages",
                    ("{\"model\":\"m\",\"max_tokens\":" + value + ",\"messages\":[]}").getBytes(), null);
            assertThat(a.getStatus().value()).as(value).isEqualTo(400);
            assertThat(text(a)).as(value).contains("max_tokens");
            EntityExchangeResult<byte[]> o = post("/v1/chat/completions",
                    ("{\"model\":\"m\",\"max_completion_tokens\":" + value + ",\"messages\":[]}").getBytes(), null);
            assertThat(o.getStatus().value()).as(value).isEqualTo(400);
            assertThat(text(o)).as(value).contains("max_completion_tokens");
        }
    }

    @Test
    void overlongAndRepeatedIdentityHeadersAreDroppedNotTrusted(CapturedOutput output) throws InterruptedException {
        String marker = "sk-repeat-" + UUID.randomUUID();
        client.post().uri("/v1/messages")
                // loopback is a trusted proxy here, yet two account ids are ambiguous and 129 characters too long
                .header("x-account-id", "acct-a", "acct-b")
                .header("x-org-id", "o".repeat(129))
                .header("x-account-tier", "enterprise", "free")
                .header("x-api-key", marker)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("RateLimit-Policy", "\"requests\";q=10;w=60").expectBody();
        String decision = Await.logLine(output, l -> l.contains("\"stripped_headers\":3"));
        assertThat(decision).contains("\"account_source\":\"CREDENTIAL\"").doesNotContain("acct-a", "acct-b", "ooooo");
        assertThat(output.getAll()).doesNotContain(marker);
    }
}
