package io.extractionguard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.operator.OperatorTokens;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.support.BufferLedger;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API through the management port: operators authenticated by their own tokens (held as
 * hashes), each route behind its role, the audit naming the authenticated principal, and the shared
 * token of earlier versions still accepted as the principal {@code admin-token}.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.admin.token=" + AdminApiTest.SHARED_TOKEN)
@AutoConfigureWebTestClient(timeout = "30s")
class AdminApiTest {

    static final String SHARED_TOKEN = "test-admin-token-7f3a";
    static final Op ALICE = Op.of("alice", Role.READ, Role.OVERRIDE, Role.POLICY, Role.INTEL);
    /** One operator lacking each role, to show every route needs its own. */
    static final Map<Role, Op> LACKING = new EnumMap<>(Map.of(
            Role.READ, Op.of("no-read", Role.OVERRIDE, Role.POLICY, Role.INTEL),
            Role.OVERRIDE, Op.of("no-override", Role.READ, Role.POLICY, Role.INTEL),
            Role.POLICY, Op.of("no-policy", Role.READ, Role.OVERRIDE, Role.INTEL),
            Role.INTEL, Op.of("no-intel", Role.READ, Role.OVERRIDE, Role.POLICY)));

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        List<Op> ops = new ArrayList<>(List.of(ALICE));
        ops.addAll(LACKING.values());
        TestOperators.register(registry, ops.toArray(Op[]::new));
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

    private final BufferLedger ledger = new BufferLedger();

    @BeforeEach
    void adminClient() {
        admin = TestHttp.to(managementPort, ledger);
    }

    /** Every response body a test read, or left unread, is released: a status-only check must still drain it. */
    @AfterEach
    void buffersReleased() throws InterruptedException {
        ledger.assertAllReleased();
    }

    private WebTestClient.ResponseSpec post(String path, String body) {
        return admin.post().uri(path).header("Authorization", ALICE.bearer())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private int send(String account, String text) {
        return traffic.post().uri("/v1/messages").header("x-account-id", account).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}")
                .exchange().returnResult(Void.class).getStatus().value();
    }

    @Test
    void unauthenticatedAndWrongTokenCallsAreRefused() {
        admin.get().uri("/admin/accounts/acct-1").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer realm=\"extraction-guard-admin\"").expectBody();
        admin.get().uri("/admin/accounts/acct-1").header("Authorization", "Bearer wrong").exchange()
                .expectStatus().isForbidden().expectBody();
        admin.get().uri("/admin/accounts/acct-1").header("Authorization", ALICE.bearer() + "x").exchange()
                .expectStatus().isForbidden().expectBody();
        // a hash is not a token: the configured value itself does not authenticate
        admin.get().uri("/admin/accounts/acct-1").header("Authorization", "Bearer " + OperatorTokens.sha256Hex(ALICE.token()))
                .exchange().expectStatus().isForbidden().expectBody();
        admin.get().uri("/admin/accounts/acct-1").header("Authorization", ALICE.bearer()).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.account").isEqualTo("acct-1").jsonPath("$.action").isEqualTo("ALLOW");
        // and the admin API is not on the traffic port
        traffic.get().uri("/admin/accounts/acct-1").header("Authorization", ALICE.bearer()).exchange()
                .expectStatus().isNotFound().expectBody();
    }

    @Test
    void everyRouteNeedsItsRole() {
        record Route(HttpMethod method, String path, Role role) {
        }
        List<Route> routes = List.of(
                new Route(HttpMethod.GET, "/admin/accounts/acct-roles", Role.READ),
                new Route(HttpMethod.POST, "/admin/explain", Role.READ),
                new Route(HttpMethod.GET, "/admin/campaigns", Role.READ),
                new Route(HttpMethod.GET, "/admin/policy", Role.READ),
                new Route(HttpMethod.GET, "/admin/indicators", Role.READ),
                new Route(HttpMethod.POST, "/admin/accounts/acct-roles/block", Role.OVERRIDE),
                new Route(HttpMethod.POST, "/admin/accounts/acct-roles/allow", Role.OVERRIDE),
                new Route(HttpMethod.POST, "/admin/accounts/acct-roles/release", Role.OVERRIDE),
                new Route(HttpMethod.POST, "/admin/policy/reload", Role.POLICY),
                new Route(HttpMethod.GET, "/admin/indicators/export", Role.INTEL),
                new Route(HttpMethod.POST, "/admin/indicators/import", Role.INTEL));
        for (Route route : routes) {
            Op lacking = LACKING.get(route.role());
            admin.method(route.method()).uri(route.path()).header("Authorization", lacking.bearer())
                    .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"ttl\":\"1h\",\"reason\":\"role test\"}").exchange()
                    .expectStatus().isForbidden()
                    .expectBody().jsonPath("$.error").isEqualTo("operator " + lacking.name() + " lacks the '"
                            + route.role().label() + "' role");
            // every other operator has the role and gets past the check (to the handler's own answer)
            LACKING.forEach((role, op) -> {
                if (role != route.role()) {
                    int status = admin.method(route.method()).uri(route.path()).header("Authorization", op.bearer())
                            .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"reason\":\"role test\"}").exchange()
                            .returnResult(Void.class).getStatus().value();
                    assertThat(status).as("%s %s as %s", route.method(), route.path(), op.name()).isNotIn(401, 403);
                }
            });
        }
        assertThat(store.verdict("acct-roles", Instant.now())).as("no operator lacking 'override' changed it").isEmpty();
    }

    @Test
    void theAuditedActorIsTheAuthenticatedOperatorNeverAHeader() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        admin.post().uri("/admin/accounts/" + account + "/block").header("Authorization", ALICE.bearer())
                .header("x-guard-operator", "mallory").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"ttl\":\"1h\",\"reason\":\"header test\"}").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.source").isEqualTo("operator/alice");
        String audit = Files.readString(Path.of(properties.audit().path()));
        assertThat(audit).contains("\"actor\":\"alice\",\"auth\":\"token\",\"action\":\"block\",\"account\":\"" + account)
                .doesNotContain("mallory");
    }

    @Test
    void theSharedTokenOfEarlierVersionsActsAsAdminTokenWithEveryRole() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        admin.post().uri("/admin/accounts/" + account + "/block").header("Authorization", "Bearer " + SHARED_TOKEN)
                .header("x-guard-operator", "alice").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"ttl\":\"1h\",\"reason\":\"migration test\"}").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.source").isEqualTo("operator/admin-token");
        admin.post().uri("/admin/policy/reload").header("Authorization", "Bearer " + SHARED_TOKEN).exchange()
                .expectStatus().isOk().expectBody();
        assertThat(Files.readString(Path.of(properties.audit().path())))
                .contains("\"actor\":\"admin-token\",\"auth\":\"shared-token\",\"action\":\"block\",\"account\":\"" + account);
    }

    @Test
    void aPathSpelledDifferentlyStillNeedsCredentials() {
        for (String path : List.of("/admin;x=1/policy/reload", "/%61dmin/policy/reload", "/admin/policy;x=1/reload")) {
            int status = admin.post().uri(java.net.URI.create("http://127.0.0.1:" + managementPort + path)).exchange()
                    .returnResult(Void.class).getStatus().value();
            assertThat(status).as(path).isIn(401, 404);
        }
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

        post("/admin/accounts/" + account + "/release", "{\"reason\":\"ticket 4712: false positive\"}").expectStatus().isOk().expectBody();
        assertThat(send(account, "hello")).isEqualTo(200);

        Path audit = Path.of(properties.audit().path());
        assertThat(AuditFiles.verifier(audit).verify(audit).intact()).isTrue();
        assertThat(Files.readString(audit)).contains("\"actor\":\"alice\",\"auth\":\"token\",\"action\":\"block\",\"account\":\"" + account,
                "ticket 4711: confirmed campaign", "\"action\":\"release\"", "ticket 4712: false positive");
    }

    @Test
    void allowOverrideSuspendsRiskActionsAndReleaseLiftsAChallenge() {
        String account = "acct-" + UUID.randomUUID();
        store.putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plusSeconds(600), "band/challenge",
                List.of("cot-elicitation"), ""));
        assertThat(send(account, "hello")).isEqualTo(403);
        post("/admin/accounts/" + account + "/release", "{\"reason\":\"verified by identity team\"}").expectStatus().isOk().expectBody();
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
        post("/admin/accounts/acct-x/block", "not json").expectStatus().isBadRequest().expectBody();
        post("/admin/accounts/acct-none/release", "{\"reason\":\"x\"}").expectStatus().isEqualTo(HttpStatus.NOT_FOUND).expectBody();
    }
}
