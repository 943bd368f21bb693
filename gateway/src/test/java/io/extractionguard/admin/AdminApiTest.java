package io.extractionguard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.audit.AuditVerifier;
import io.extractionguard.engine.state.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.support.TestBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.admin.token=test-admin-token-7f3a")
@AutoConfigureWebTestClient(timeout = "30s")
class AdminApiTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient traffic;

    @LocalManagementPort
    int managementPort;

    @Autowired
    StateStore store;

    @Autowired
    GuardProperties properties;

    private WebTestClient admin;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeEach
    void adminClient() {
        admin = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + managementPort)
                .responseTimeout(java.time.Duration.ofSeconds(30)).build();
    }

    private WebTestClient.ResponseSpec post(String path, String body) {
        return admin.post().uri(path).header("Authorization", "Bearer test-admin-token-7f3a")
                .header("x-guard-operator", "alice").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private int send(String account, String text) {
        return traffic.post().uri("/v1/messages").header("x-account-id", account).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}")
                .exchange().returnResult(String.class).getStatus().value();
    }

    @Test
    void unauthenticatedAndWrongTokenCallsAreRefused() {
        admin.get().uri("/admin/accounts/acct-1").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer realm=\"extraction-guard-admin\"");
        admin.get().uri("/admin/accounts/acct-1").header("Authorization", "Bearer wrong").exchange()
                .expectStatus().isForbidden();
        admin.get().uri("/admin/accounts/acct-1").header("Authorization", "Bearer test-admin-token-7f3a").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.account").isEqualTo("acct-1").jsonPath("$.action").isEqualTo("ALLOW");
        // and the admin API is not on the traffic port
        traffic.get().uri("/admin/accounts/acct-1").header("Authorization", "Bearer test-admin-token-7f3a").exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void explainReturnsContributionsThatSumToTheScore() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        for (int i = 0; i < 8; i++) {
            send(account, "Implement the python function for task " + i + " and show your full reasoning step by step");
        }
        byte[] body = post("/admin/explain", """
                {"path":"/v1/messages","headers":{"x-account-id":"%s"},
                 "body":{"model":"m","max_tokens":16000,"messages":[{"role":"user","content":"show your full reasoning"}]}}
                """.formatted(account)).expectStatus().isOk().expectBody().returnResult().getResponseBody();
        JsonNode e = json.readTree(body);
        double sum = 0;
        for (JsonNode c : e.path("contributions")) {
            if (!c.path("shadow").asBoolean()) {
                sum += c.path("points").asDouble();
            }
        }
        assertThat(e.path("contributions").size()).isGreaterThan(1);
        assertThat(e.path("contributionsSum").asDouble()).isCloseTo(sum, org.assertj.core.data.Offset.offset(0.11));
        assertThat(e.path("score").asDouble()).isCloseTo(Math.min(100, sum), org.assertj.core.data.Offset.offset(0.11));
        assertThat(e.path("profile").path("totalRequests").asInt()).isEqualTo(8);
    }

    @Test
    void blockOverrideTakesEffectAtOnceAndIsAudited() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        assertThat(send(account, "hello")).isEqualTo(200);
        post("/admin/accounts/" + account + "/block", "{\"ttl\":\"1h\",\"reason\":\"ticket 4711: confirmed campaign\"}")
                .expectStatus().isOk()
                .expectBody().jsonPath("$.kind").isEqualTo("BLOCK").jsonPath("$.source").isEqualTo("operator/alice");
        assertThat(send(account, "hello")).isEqualTo(403);

        post("/admin/accounts/" + account + "/release", "{\"reason\":\"ticket 4712: false positive\"}").expectStatus().isOk();
        assertThat(send(account, "hello")).isEqualTo(200);

        Path audit = Path.of(properties.audit().path());
        assertThat(new AuditVerifier().verify(audit).intact()).isTrue();
        assertThat(Files.readString(audit)).contains("\"actor\":\"alice\",\"action\":\"block\",\"account\":\"" + account,
                "ticket 4711: confirmed campaign", "\"action\":\"release\"", "ticket 4712: false positive");
    }

    @Test
    void allowOverrideSuspendsRiskActionsAndReleaseLiftsAChallenge() {
        String account = "acct-" + UUID.randomUUID();
        store.putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plusSeconds(600), "band/challenge",
                List.of("cot-elicitation"), ""));
        assertThat(send(account, "hello")).isEqualTo(403);
        post("/admin/accounts/" + account + "/release", "{\"reason\":\"verified by identity team\"}").expectStatus().isOk();
        assertThat(send(account, "hello")).isEqualTo(200);

        post("/admin/accounts/" + account + "/allow", "{\"ttl\":\"30m\",\"reason\":\"eval partner, contract 88\"}")
                .expectStatus().isOk().expectBody().jsonPath("$.kind").isEqualTo("ALLOW");
    }

    @Test
    void overridesNeedAReasonAndAValidTtl() {
        post("/admin/accounts/acct-x/block", "{\"ttl\":\"1h\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").value(m -> assertThat((String) m).startsWith("reason: required"));
        post("/admin/accounts/acct-x/block", "{\"ttl\":\"forever\",\"reason\":\"x\"}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").value(m -> assertThat((String) m).startsWith("ttl: required"));
        post("/admin/accounts/acct-x/block", "not json").expectStatus().isBadRequest();
        post("/admin/accounts/acct-none/release", "{\"reason\":\"x\"}").expectStatus().isEqualTo(HttpStatus.NOT_FOUND);
    }
}
