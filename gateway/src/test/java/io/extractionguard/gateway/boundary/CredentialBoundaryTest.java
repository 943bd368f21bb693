package io.extractionguard.gateway.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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
 * The red team's account split (r-attack hole 2): one real key and a fresh decoy key in a header the
 * upstream does not read, per request, was a fresh guard account per request (25 of 25 answered on a
 * 10/minute tier). Through the real gateway to the demo backend, from an untrusted peer, in every dialect:
 * the decoy burst is refused in the API's own 401 before the model, and the one key, in whichever header
 * an upstream reads it from, is one account, limited as one. The output-budget shadow (hole 5) likewise.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.identity.trusted-proxies=10.255.255.0/24")
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class CredentialBoundaryTest {

    /** A dialect: its path, a small request body, and whether it is Anthropic's (key in x-api-key) or OpenAI's. */
    record Dialect(String path, String body, boolean anthropic) {
    }

    private static final List<Dialect> DIALECTS = List.of(
            new Dialect("/v1/messages", "{\"model\":\"m\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"capital of france?\"}]}", true),
            new Dialect("/v1/chat/completions", "{\"model\":\"m\",\"max_completion_tokens\":64,\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"capital of france?\"}]}", false),
            new Dialect("/v1/responses", "{\"model\":\"m\",\"max_output_tokens\":64,\"input\":\"capital of france?\"}", false),
            new Dialect("/v1/completions", "{\"model\":\"m\",\"max_tokens\":64,\"prompt\":\"capital of france?\"}", false));

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    private EntityExchangeResult<byte[]> post(String path, String body, String... headers) {
        WebTestClient.RequestBodySpec spec = client.post().uri(path).contentType(MediaType.APPLICATION_JSON);
        for (int i = 0; i < headers.length; i += 2) {
            spec = spec.header(headers[i], headers[i + 1].split("\n")); // "a\nb": two field lines
        }
        return spec.bodyValue(body).exchange().expectBody().returnResult();
    }

    private static String text(EntityExchangeResult<byte[]> r) {
        return r.getResponseBody() == null ? "" : new String(r.getResponseBody(), StandardCharsets.UTF_8);
    }

    @Test
    void aDecoyKeyPerRequestIsRefusedInEveryDialectAndTheRealKeyIsOneLimitedAccount(CapturedOutput output) {
        for (Dialect d : DIALECTS) {
            String real = "sk-real-" + UUID.randomUUID();
            // the real key where this dialect's upstream reads it, the decoy in the header the guard used to prefer
            String realHeader = d.anthropic() ? "x-api-key" : "authorization";
            String realValue = d.anthropic() ? real : "Bearer " + real;
            String decoyHeader = d.anthropic() ? "authorization" : "x-api-key";
            long servedBefore = TestBackend.get().requestCount();
            for (int i = 0; i < 25; i++) {
                String decoy = "decoy-" + i + "-" + UUID.randomUUID();
                EntityExchangeResult<byte[]> r = post(d.path(), d.body(), realHeader, realValue, decoyHeader,
                        d.anthropic() ? "Bearer " + decoy : decoy);
                assertThat(r.getStatus().value()).as("%s decoy %d", d.path(), i).isEqualTo(401);
                String body = text(r);
                if (d.anthropic()) {
                    assertThat(body).contains("\"type\":\"error\"", "\"type\":\"authentication_error\"",
                            "carry different credentials", "send the API key once, in x-api-key");
                } else {
                    assertThat(body).contains("\"type\":\"invalid_request_error\"", "\"code\":\"invalid_api_key\"",
                            "carry different credentials", "authorization: Bearer <key>");
                }
                assertThat(body).doesNotContain(real).doesNotContain(decoy);
            }
            assertThat(TestBackend.get().requestCount() - servedBefore).as("%s: decoy burst served", d.path()).isZero();

            // the attacker's remaining move: the one key, in a different header each time, is one account
            String[][] spellings = {{"authorization", "Bearer " + real}, {"x-api-key", real}, {"api-key", real},
                    {"authorization", "Bearer " + real, "x-api-key", real}};
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                statuses.add(post(d.path(), d.body(), spellings[i % spellings.length]).getStatus().value());
            }
            long answered = statuses.stream().filter(s -> s == 200).count();
            assertThat(answered).as("%s: %s", d.path(), statuses).isBetween(1L, 10L); // free tier: 10 a minute
            assertThat(statuses.subList((int) answered, statuses.size())).as("%s: %s", d.path(), statuses)
                    .doesNotContain(200).contains(429);
            assertThat(output.getAll()).doesNotContain(real);
        }
    }

    @Test
    void aRepeatedMalformedOrMisplacedKeyIsRefusedNotAccountedByAddress() {
        Dialect chat = DIALECTS.get(1);
        long servedBefore = TestBackend.get().requestCount();
        String[][] refused = {
                {"x-api-key", "sk-a\nsk-b"},                       // two field lines
                {"authorization", "Bearer sk-a\nBearer sk-a"},     // the same key twice is still two lines
                {"authorization", "Basic dXNlcjpzZWNyZXQ="},
                {"x-goog-api-key", "sk-other"},
                {"authorization", "Bearer sk-a", "api-key", "sk-b"}};
        for (String[] headers : refused) {
            EntityExchangeResult<byte[]> r = post(chat.path(), chat.body(), headers);
            assertThat(r.getStatus().value()).as(String.join(" ", headers)).isEqualTo(401);
            assertThat(text(r)).contains("\"code\":\"invalid_api_key\"");
        }
        // (percent-encoded names: the corpus, byte for byte; this client would encode the '%' again)
        for (String query : List.of("?api-key=sk-in-query", "?Api_Key=sk-in-query", "?beta=true&access_token=x")) {
            EntityExchangeResult<byte[]> r = post(chat.path() + query, chat.body());
            assertThat(r.getStatus().value()).as(query).isEqualTo(401);
            assertThat(text(r)).contains("a key in the query string").doesNotContain("sk-in-query");
        }
        assertThat(TestBackend.get().requestCount() - servedBefore).isZero();
        // a query without a key, and no key at all, are served as before
        assertThat(post("/v1/messages?beta=true", DIALECTS.get(0).body(), "x-api-key", "sk-" + UUID.randomUUID())
                .getStatus().value()).isEqualTo(200);
        assertThat(post(chat.path(), chat.body()).getStatus().value()).isEqualTo(200);
    }

    @Test
    void anOutputBudgetTheUpstreamWouldReadOtherwiseIsRefusedBeforeTheModel() {
        long servedBefore = TestBackend.get().requestCount();
        String key = "sk-budget-" + UUID.randomUUID();
        // the red team's chat_budget_shadow: vLLM, SGLang (and the demo backend) generate max_completion_tokens
        EntityExchangeResult<byte[]> shadow = post("/v1/chat/completions", "{\"model\":\"m\",\"max_completion_tokens\":16000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":16}", "authorization", "Bearer " + key);
        assertThat(shadow.getStatus().value()).isEqualTo(400);
        assertThat(text(shadow)).contains("\"type\":\"invalid_request_error\"",
                "max_tokens: setting max_tokens and max_completion_tokens at the same time is not supported");
        EntityExchangeResult<byte[]> foreign = post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":16000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_output_tokens\":64}", "x-api-key", key);
        assertThat(foreign.getStatus().value()).isEqualTo(400);
        assertThat(text(foreign)).contains("\"type\":\"error\"",
                "max_output_tokens: not a field of this API; its output budget is max_tokens");
        EntityExchangeResult<byte[]> responses = post("/v1/responses", "{\"model\":\"m\",\"input\":\"hi\","
                + "\"max_output_tokens\":16000,\"max_tokens\":16}", "authorization", "Bearer " + key);
        assertThat(responses.getStatus().value()).isEqualTo(400);
        assertThat(text(responses)).contains("max_tokens: not a field of this API; its output budget is max_output_tokens");
        assertThat(TestBackend.get().requestCount() - servedBefore).isZero();
    }
}
