package io.extractionguard.gateway.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;

/**
 * A gateway configured with every secret it knows (credential-hash key, challenge HMAC key, shared
 * admin token, an operator's token) is driven through forwarding, throttling, challenges and blocks, admin calls and a policy
 * reload, with a distinctive raw prompt and raw API keys. Then everything an operator can read —
 * all log output, the Prometheus scrape and the audit file — is searched: no secret, no raw key and
 * no part of the raw prompt appears.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "guard.identity.credential-hash-key=" + SecretsNeverLeakTest.HASH_KEY,
        "guard.challenge.hmac-key=" + SecretsNeverLeakTest.HMAC_KEY,
        "guard.admin.token=" + SecretsNeverLeakTest.ADMIN_TOKEN,
        "guard.audit.decision-sample-rate=1.0",
        "guard.audit.key=" + SecretsNeverLeakTest.AUDIT_KEY,
        "guard.audit.log-records=true",
        "guard.decision-log.sample-rate=1.0",
        "guard.policy.poll-interval=200ms",
        "guard.taxii.peers[0].name=leak-peer",
        "guard.taxii.peers[0].collection=http://127.0.0.1:9/taxii2/api1/collections/evidence/",
        "guard.taxii.peers[0].token=" + SecretsNeverLeakTest.TAXII_TOKEN,
        "guard.taxii.peers[0].interval=200ms",
        "guard.enforcement.kyc-key=" + SecretsNeverLeakTest.KYC_KEY,
        "guard.enforcement.webhook-key=" + SecretsNeverLeakTest.WEBHOOK_KEY,
        "logging.level.io.extractionguard=DEBUG"})
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class SecretsNeverLeakTest {

    static final String HASH_KEY = "hashkey-Qm9vLXNlY3JldC1oYXNo-0001";
    static final String HMAC_KEY = "hmackey-c2lnbmluZy1zZWNyZXQtaG1hYy1rZXk-0002";
    static final String ADMIN_TOKEN = "admintoken-YWRtaW4tdG9rZW4tc2VjcmV0-0003";
    static final String API_KEY = "sk-live-UmF3QXBpS2V5TmV2ZXJMb2dnZWQ-0004";
    static final String BEARER_KEY = "sk-live-QmVhcmVyS2V5TmV2ZXJMb2dnZWQ-0005";
    static final String AUDIT_KEY = "auditkey-YXVkaXQta2V5LXNlY3JldA-0007";
    static final String KYC_KEY = "kyckey-a3ljLWNhbGxiYWNrLWtleQ-0009";
    static final String WEBHOOK_KEY = "webhookkey-d2ViaG9vay1rZXk-0010";
    static final String TAXII_TOKEN = "taxiitoken-cGVlci10YXhpaS10b2tlbg-0008";
    static final String PROMPT_MARKER = "zanzibar-quokka-marmalade";
    static final Op OPERATOR = new Op("leak-test", "egop_T3BlcmF0b3JUb2tlbk5ldmVyTG9nZ2Vk-0006", Role.values());

    static final Path DIR;
    static {
        try {
            DIR = Files.createTempDirectory("secrets-leak");
            Files.writeString(DIR.resolve("policy.yaml"), Files.readString(Path.of("..", "config", "policies", "default.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        registry.add("guard.policy.path", () -> DIR.resolve("policy.yaml").toString());
        registry.add("guard.audit.path", () -> DIR.resolve("audit.jsonl").toString());
        TestOperators.register(registry, OPERATOR);
    }

    @Autowired
    WebTestClient client;

    @LocalManagementPort
    int managementPort;

    @Autowired
    io.extractionguard.gateway.config.GuardProperties properties;

    @Autowired
    io.extractionguard.gateway.intel.TaxiiProperties taxii;

    @Autowired
    io.extractionguard.gateway.enforce.EnforcementProperties enforcement;

    private static String body(String text, int maxTokens) {
        return "{\"model\":\"m\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private int send(String header, String value, String text) {
        return client.post().uri("/v1/messages").header(header, value).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body(text, 16000)).exchange().expectBody().returnResult().getStatus().value();
    }

    private WebTestClient.ResponseSpec admin(String method, String path, String json) {
        WebTestClient admin = TestHttp.to(managementPort);
        WebTestClient.RequestBodySpec spec = admin.method(org.springframework.http.HttpMethod.valueOf(method)).uri(path)
                .header("Authorization", OPERATOR.bearer());
        return json == null ? spec.exchange() : spec.contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    @Test
    void noSecretRawKeyOrRawPromptAppearsInLogsMetricsOrAudit(CapturedOutput output) throws Exception {
        // forward, then a templated harvesting burst under a raw key: throttled, then challenged or blocked
        assertThat(send("x-api-key", API_KEY, "hello " + PROMPT_MARKER)).isEqualTo(200);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            statuses.add(send("authorization", "Bearer " + BEARER_KEY, "Implement the python function for task " + i
                    + " and show your full reasoning step by step, every intermediate step " + PROMPT_MARKER));
        }
        // (a burst of standalone long asks goes from 200 straight to a challenge: the one-shot evidence arrives whole)
        assertThat(statuses).as("burst statuses").contains(200, 403);
        // throttled: ordinary short requests under the first raw key past the default tier's 10 per minute
        List<Integer> ordinary = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            ordinary.add(client.post().uri("/v1/messages").header("x-api-key", API_KEY)
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(body("question " + i + " " + PROMPT_MARKER, 16))
                    .exchange().expectBody().returnResult().getStatus().value());
        }
        assertThat(ordinary).as("ordinary statuses past the limit").contains(200, 429);
        // a wrong challenge solution, then operator calls
        client.post().uri("/v1/messages").header("authorization", "Bearer " + BEARER_KEY)
                .header("x-guard-challenge-solution", "bogus:1").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body(PROMPT_MARKER, 16)).exchange().expectBody();
        String account = "acct-" + UUID.randomUUID();
        assertThat(send("x-account-id", account, "hi " + PROMPT_MARKER)).isEqualTo(200);
        admin("POST", "/admin/accounts/" + account + "/block", "{\"ttl\":\"1h\",\"reason\":\"leak test\"}").expectStatus().isOk().expectBody();
        assertThat(send("x-account-id", account, "again " + PROMPT_MARKER)).isEqualTo(403);
        admin("GET", "/admin/accounts/" + account, null).expectStatus().isOk().expectBody();
        admin("POST", "/admin/explain", "{\"path\":\"/v1/messages\",\"headers\":{\"x-api-key\":\"" + API_KEY + "\"},"
                + "\"body\":" + body("explain " + PROMPT_MARKER, 16) + "}").expectStatus().isOk().expectBody();
        admin("POST", "/admin/accounts/" + account + "/release", "{\"reason\":\"leak test done\"}").expectStatus().isOk().expectBody();
        // a wrong admin token is refused and not echoed
        TestHttp.to(managementPort)
                .get().uri("/admin/policy").header("Authorization", "Bearer " + ADMIN_TOKEN + "-wrong")
                .exchange().expectStatus().is4xxClientError().expectBody();
        TestHttp.to(managementPort)
                .get().uri("/admin/policy").header("Authorization", OPERATOR.bearer() + "-wrong")
                .exchange().expectStatus().is4xxClientError().expectBody();
        // the shared token of earlier versions still authenticates
        TestHttp.to(managementPort)
                .get().uri("/admin/policy").header("Authorization", "Bearer " + ADMIN_TOKEN).exchange().expectStatus().isOk().expectBody();
        // a policy change, picked up and audited
        Path policy = DIR.resolve("policy.yaml");
        Files.writeString(policy, Files.readString(policy).replaceFirst("version: \"[^\"]*\"", "version: \"leak-test-2\""));
        admin("POST", "/admin/policy/reload", null).expectStatus().isOk().expectBody(); // a timeout prints threads (HangDiagnostics)
        Path audit = DIR.resolve("audit.jsonl");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !(Files.exists(audit) && Files.readString(audit).contains("leak-test-2")
                && Files.readString(audit).contains("leak test done"))) {
            Thread.sleep(50);
        }

        String scrape = TestHttp.to(managementPort)
                .get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        String auditText = Files.readString(audit, StandardCharsets.UTF_8);
        String logs = output.getAll();
        // the outputs did record what happened: the search below is over real content
        assertThat(scrape).contains("guard_decisions_total");
        assertThat(auditText).contains("\"kind\":\"decision\"", "leak-test-2", account);
        assertThat(logs).contains("\"event\":\"decision\"", "\"account_source\":\"CREDENTIAL\"",
                "{\"checkpoint\":\"audit\"", "\"kind\":\"decision\"");

        for (String secret : List.of(HASH_KEY, HMAC_KEY, AUDIT_KEY, TAXII_TOKEN, "cGVlci10YXhpaS10b2tlbg", KYC_KEY,
                "a3ljLWNhbGxiYWNrLWtleQ", WEBHOOK_KEY, "d2ViaG9vay1rZXk", ADMIN_TOKEN, OPERATOR.token(), API_KEY, BEARER_KEY, PROMPT_MARKER,
                // distinctive fragments, in case a value is logged truncated or re-encoded
                "Qm9vLXNlY3JldC1oYXNo", "c2lnbmluZy1zZWNyZXQtaG1hYy1rZXk", "YXVkaXQta2V5LXNlY3JldA", "YWRtaW4tdG9rZW4tc2VjcmV0",
                "UmF3QXBpS2V5TmV2ZXJMb2dnZWQ", "QmVhcmVyS2V5TmV2ZXJMb2dnZWQ", "T3BlcmF0b3JUb2tlbk5ldmVyTG9nZ2Vk", "quokka", "show your full reasoning")) {
            assertThat(logs).as("logs contain %s", secret).doesNotContainIgnoringCase(secret);
            assertThat(scrape).as("metrics contain %s", secret).doesNotContainIgnoringCase(secret);
            assertThat(auditText).as("audit contains %s", secret).doesNotContainIgnoringCase(secret);
            assertThat(properties.toString()).as("printed settings contain %s", secret).doesNotContain(secret);
            assertThat(taxii.toString()).as("printed TAXII settings contain %s", secret).doesNotContain(secret);
            assertThat(enforcement.toString()).as("printed enforcement settings contain %s", secret).doesNotContain(secret);
        }
    }
}
