package io.extractionguard.gateway.enforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.sun.net.httpserver.HttpServer;

import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.CampaignTraffic;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One audited action blocks a whole campaign: its members on their next request, and an account the
 * gateway has never seen that pays with the campaign's card on its first; the penalised accounts are
 * exported (JSON lines, and a signed webhook); the release clears their verdicts with the same trail.
 * Ordinary traffic is untouched throughout.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.campaign.correlation-tick=100ms")
@AutoConfigureWebTestClient(timeout = "30s")
class CampaignEnforcementTest {

    private static final Op OPS = Op.of("dana", Role.READ, Role.OVERRIDE);
    private static final String WEBHOOK_KEY = "webhook-key-for-enforcement-tests-0123";
    private static final List<String> RECEIVED = new CopyOnWriteArrayList<>();
    private static final List<String> SIGNATURES = new CopyOnWriteArrayList<>();
    private static final HttpServer WEBHOOK = webhook();

    private static HttpServer webhook() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            s.createContext("/billing", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                RECEIVED.add(new String(body, StandardCharsets.UTF_8));
                SIGNATURES.add(HmacSignature.verify(WEBHOOK_KEY.getBytes(StandardCharsets.UTF_8),
                        ex.getRequestHeaders().getFirst(HmacSignature.HEADER), body).isPresent() ? "valid" : "invalid");
                ex.sendResponseHeaders(204, -1);
                ex.close();
            });
            s.start();
            return s;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopWebhook() {
        WEBHOOK.stop(0);
    }

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        TestOperators.register(registry, OPS);
        registry.add("guard.enforcement.webhook-url", () -> "http://127.0.0.1:" + WEBHOOK.getAddress().getPort() + "/billing");
        registry.add("guard.enforcement.webhook-key", () -> WEBHOOK_KEY);
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    GuardProperties properties;

    private WebTestClient traffic;
    private WebTestClient admin;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeEach
    void clients() {
        traffic = TestHttp.to(port);
        admin = TestHttp.to(managementPort);
    }

    private JsonNode post(String path, String body, int status) {
        return json.readTree(admin.post().uri(path).header("Authorization", OPS.bearer())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectStatus().isEqualTo(status)
                .expectBody().returnResult().getResponseBody());
    }

    private JsonNode account(String id) {
        return json.readTree(admin.get().uri("/admin/accounts/" + id).header("Authorization", OPS.bearer()).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody());
    }

    /** An ordinary user elsewhere: its own network, an account years old. */
    private int ordinary(String account, String card, String prompt) {
        return traffic.post().uri("/v1/messages").header("x-account-id", account).header("x-payment-fingerprint", card)
                .header("x-account-created", "2023-01-01T00:00:00Z").header("x-forwarded-for", "198.51.100.23")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\""
                        + prompt + "\"}]}")
                .exchange().expectBody().returnResult().getStatus().value();
    }

    @Test
    void oneAuditedActionBlocksTheCampaignAndNewAccountsLinkingToItAndTheReleaseClearsIt() throws Exception {
        String card = "pf-" + UUID.randomUUID();
        List<String> members = new ArrayList<>();
        int task = 0;
        for (int a = 0; a < 6; a++) {
            String account = "acct-hydra-" + UUID.randomUUID();
            members.add(account);
            for (int r = 0; r < 2; r++) {
                CampaignTraffic.post(traffic, account, card, CampaignTraffic.templated(task++), 16000);
            }
        }
        String ordinary = "acct-" + UUID.randomUUID();
        String ordinaryCard = "pf-" + UUID.randomUUID();
        assertThat(ordinary(ordinary, ordinaryCard, "What is a good name for a ginger cat?"))
                .as("%s", account(ordinary)).isEqualTo(200);

        post("/admin/campaigns/enforce", "{\"account\":\"" + members.get(0) + "\",\"action\":\"degrade\",\"ttl\":\"1h\","
                + "\"reason\":\"x\"}", 400);
        post("/admin/campaigns/enforce", "{\"account\":\"" + ordinary + "\",\"action\":\"block\",\"ttl\":\"1h\","
                + "\"reason\":\"x\"}", 404);
        JsonNode imposed = post("/admin/campaigns/enforce", "{\"account\":\"" + members.get(0) + "\",\"action\":\"block\","
                + "\"ttl\":\"24h\",\"reason\":\"TICKET-4411 hydra cluster\"}", 200);
        String sanction = imposed.path("sanction").asString();
        assertThat(imposed.path("members").asInt()).isGreaterThanOrEqualTo(members.size());
        assertThat(imposed.path("penalisedNow").asInt()).as("members decided lately are blocked at once")
                .isEqualTo(members.size());

        for (String m : members) {
            assertThat(CampaignTraffic.post(traffic, m, card, "Hello again", 64)).as(m).isEqualTo(403);
            assertThat(account(m).path("verdict").path("source").asString()).isEqualTo("campaign/" + sanction);
        }
        // an account never seen before, paying with the campaign's card: blocked on its first request
        String newcomer = "acct-new-" + UUID.randomUUID();
        assertThat(CampaignTraffic.post(traffic, newcomer, card, "Hello", 64)).isEqualTo(403);
        assertThat(account(newcomer).path("recentDecisions").get(0).path("reasons").toString())
                .contains("campaign-sanction/" + sanction);
        // ordinary traffic is untouched
        assertThat(ordinary(ordinary, ordinaryCard, "And a name for a grey one?")).isEqualTo(200);

        String export = new String(admin.get().uri("/admin/sanctions/" + sanction + "/penalised")
                .header("Authorization", OPS.bearer()).exchange().expectStatus().isOk()
                .expectHeader().contentType("application/x-ndjson").expectBody().returnResult().getResponseBody(),
                StandardCharsets.UTF_8);
        assertThat(export.lines()).hasSize(members.size() + 1);
        JsonNode joined = export.lines().map(json::readTree).filter(n -> n.path("account").asString().equals(newcomer))
                .findFirst().orElseThrow();
        assertThat(joined.path("paymentFingerprint").asString()).isEqualTo(card);
        assertThat(joined.path("joined").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> RECEIVED.stream().anyMatch(b -> b.contains(newcomer)));
        assertThat(RECEIVED).anySatisfy(b -> assertThat(b).contains("\"event\":\"sanction-imposed\""));
        assertThat(SIGNATURES).isNotEmpty().allMatch("valid"::equals);

        // the case file: signed, verifiable offline with the published key, no prompt text, and any edit fails
        byte[] caseFile = admin.post().uri("/admin/cases").header("Authorization", OPS.bearer())
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"sanction\":\"" + sanction + "\"}").exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        java.security.PublicKey published = io.extractionguard.engine.enforce.CaseFile.publicKey(json.readTree(
                admin.get().uri("/admin/cases/public-key").header("Authorization", OPS.bearer()).exchange()
                        .expectStatus().isOk().expectBody().returnResult().getResponseBody()).path("publicKey").asString());
        assertThat(io.extractionguard.engine.enforce.CaseFile.verify(caseFile, java.util.Optional.of(published)).valid()).isTrue();
        String caseText = new String(caseFile, StandardCharsets.UTF_8);
        assertThat(caseText).contains(newcomer, members.get(3), card, "sanction-imposed", "account-penalised",
                "\"policyInForce\"", "\"sampledDecisions\"", "\"harvested\"", "PROMPT_TEMPLATE")
                .doesNotContain("longest subarray", "show your full reasoning", "sk-");
        byte[] edited = caseText.replaceFirst(newcomer, "acct-someone-else").getBytes(StandardCharsets.UTF_8);
        assertThat(io.extractionguard.engine.enforce.CaseFile.verify(edited, java.util.Optional.of(published)).valid()).isFalse();
        // harvested volume by capability area: the hydra's coding prompts and a share of the output tokens served
        // (the backend served 64 per templated request; the blocked ones none, so apportioning gives coding less)
        JsonNode harvested = json.readTree(caseFile).path("case").path("harvested");
        JsonNode coding = harvested.path("byCapabilityArea").path("coding");
        assertThat(coding.path("requests").asLong()).as("%s", harvested).isGreaterThanOrEqualTo(2L * members.size());
        assertThat(coding.path("outputTokensEstimate").asLong()).as("%s", harvested)
                .isGreaterThanOrEqualTo(2L * members.size() * 64 / 2)
                .isLessThanOrEqualTo(harvested.path("outputTokensEstimate").asLong());
        assertThat(harvested.path("byCapabilityArea").path("agentic").path("outputTokensEstimate").asLong()).isZero();
        ObjectNode inflated = (ObjectNode) json.readTree(caseFile);
        ((ObjectNode) inflated.path("case").path("harvested").path("byCapabilityArea").path("coding"))
                .put("outputTokensEstimate", coding.path("outputTokensEstimate").asLong() + 1);
        assertThat(io.extractionguard.engine.enforce.CaseFile.verify(json.writeValueAsBytes(inflated),
                java.util.Optional.of(published)).message()).contains("the case was changed");

        JsonNode released = post("/admin/sanctions/" + sanction + "/release", "{\"reason\":\"TICKET-4411 false positive\"}", 200);
        assertThat(released.path("verdictsCleared").asInt()).isEqualTo(members.size() + 1);
        assertThat(account(newcomer).path("verdict").isMissingNode() || account(newcomer).path("verdict").isNull()).isTrue();
        post("/admin/sanctions/" + sanction + "/release", "{\"reason\":\"again\"}", 404);
        await().atMost(Duration.ofSeconds(5)).until(() -> RECEIVED.stream().anyMatch(b -> b.contains("sanction-released")));

        Path audit = Path.of(properties.audit().path());
        assertThat(AuditFiles.verifier(audit).verify(audit).intact()).isTrue();
        assertThat(Files.readString(audit)).contains("\"action\":\"campaign-enforce\",\"sanction\":\"" + sanction,
                "TICKET-4411 hydra cluster", "\"action\":\"campaign-release\",\"sanction\":\"" + sanction,
                "\"action\":\"case-export\"");
    }
}
