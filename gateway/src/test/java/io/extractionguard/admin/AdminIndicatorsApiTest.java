package io.extractionguard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.support.BufferLedger;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The indicator-exchange admin endpoints: authentication, imports that take what they understand and report the rest, listing, audit. */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class AdminIndicatorsApiTest {

    private static final Op CAROL = Op.of("carol", Role.READ, Role.INTEL);

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        TestOperators.register(registry, CAROL);
    }

    @LocalManagementPort
    int managementPort;

    @Autowired
    IndicatorRegistry registry;

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

    private WebTestClient.ResponseSpec importBundle(String body) {
        return admin.post().uri("/admin/indicators/import").header("Authorization", CAROL.bearer())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static String bundle(String pattern, String extra) {
        String identity = "identity--" + UUID.randomUUID();
        return """
                {"type":"bundle","id":"bundle--%s","objects":[
                  {"type":"identity","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00Z",
                   "modified":"2026-01-01T00:00:00Z","name":"Peer Lab","identity_class":"organization"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00Z",
                   "modified":"2026-01-01T00:00:00Z","created_by_ref":"%s","pattern_type":"stix",
                   "pattern":"%s","valid_from":"2026-01-01T00:00:00Z","valid_until":"2099-01-01T00:00:00Z"%s}]}
                """.formatted(UUID.randomUUID(), identity, UUID.randomUUID(), identity, pattern, extra);
    }

    private JsonNode rejected(String body) {
        byte[] response = importBundle(body).expectStatus().isBadRequest().expectBody().returnResult().getResponseBody();
        return json.readTree(response);
    }

    @Test
    void theIndicatorEndpointsRefuseMissingAndWrongTokens() {
        for (String path : new String[] {"/admin/indicators", "/admin/indicators/export"}) {
            admin.get().uri(path).exchange().expectStatus().isUnauthorized().expectBody();
            admin.get().uri(path).header("Authorization", "Bearer not-the-token").exchange().expectStatus().isForbidden().expectBody();
        }
        String valid = bundle("[x-extraction-guard-payment:fingerprint = 'pf-unauthorised']", ",\"confidence\":90");
        admin.post().uri("/admin/indicators/import").contentType(MediaType.APPLICATION_JSON).bodyValue(valid).exchange()
                .expectStatus().isUnauthorized().expectBody();
        admin.post().uri("/admin/indicators/import").header("Authorization", "Bearer not-the-token")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(valid).exchange().expectStatus().isForbidden().expectBody();
        assertThat(registry.all(Instant.now())).noneMatch(i -> i.value().equals("pf-unauthorised"));
    }

    @Test
    void onlyNonBundlesAreRefusedAndAValidBundleIsImportedWithWhatWasNotUsedReported() {
        int before = registry.all(Instant.now()).size();
        assertThat(rejected("this is not json").path("error").asString())
                .startsWith("not a STIX 2.1 bundle, nothing imported: not valid JSON");
        assertThat(rejected("[1,2]").path("error").asString()).contains("a STIX bundle must be a JSON object");
        assertThat(rejected(bundle("[x-extraction-guard-payment:fingerprint = 'pf-1']", ",\"confidence\":90")
                .replaceFirst("\"type\":\"bundle\"", "\"type\":\"report\"")).path("error").asString())
                .contains("type: must be 'bundle'");
        assertThat(registry.all(Instant.now())).hasSize(before);

        // one good indicator, one invalid object, one valid indicator the guard cannot match, a malware:
        // the good one is imported, the rest reported
        String good = "pf-" + UUID.randomUUID();
        String mixed = bundle("[x-extraction-guard-payment:fingerprint = '" + good + "']", ",\"confidence\":90")
                .replace("}]}", "},{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                        + UUID.randomUUID() + "\",\"pattern\":\"[ipv4-addr:value ISSUBSET '300.1.2.0/24']\"},"
                        + "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" + UUID.randomUUID()
                        + "\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"pattern_type\":\"stix\","
                        + "\"pattern\":\"[file:name = 'x.exe']\",\"valid_from\":\"2026-01-01T00:00:00Z\",\"valid_until\":\"2099-01-01T00:00:00Z\"},"
                        + "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--" + UUID.randomUUID()
                        + "\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"name\":\"kit\",\"is_family\":true}]}");
        byte[] body = importBundle(mixed).expectStatus().isOk().expectBody().returnResult().getResponseBody();
        JsonNode report = json.readTree(body);
        assertThat(report.path("imported").asInt()).isEqualTo(1);
        assertThat(report.path("objects").toString()).isEqualTo("{\"identity\":1,\"indicator\":2,\"malware\":1}");
        assertThat(report.path("invalidCount").asInt()).isEqualTo(1);
        assertThat(report.path("invalid").get(0).asString()).contains("objects[2]", ".created: required");
        assertThat(report.path("notUsed").get(0).asString()).contains("objects[3]", "object path 'file:name' is not one the guard matches");
        assertThat(registry.all(Instant.now())).anyMatch(i -> i.value().equals(good));
    }

    @Test
    void aValidImportIsListedAndImportsAndExportsAreAudited() throws Exception {
        String value = "pf-" + UUID.randomUUID();
        importBundle(bundle("[x-extraction-guard-payment:fingerprint = '" + value + "']", ",\"confidence\":90"))
                .expectStatus().isOk().expectBody().jsonPath("$.imported").isEqualTo(1);

        byte[] listed = admin.get().uri("/admin/indicators").header("Authorization", CAROL.bearer()).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        JsonNode entry = null;
        for (JsonNode i : json.readTree(listed).path("indicators")) {
            if (i.path("value").asString().equals(value)) {
                entry = i;
            }
        }
        assertThat(entry).as("the imported indicator is listed").isNotNull();
        assertThat(entry.path("kind").asString()).isEqualTo("PAYMENT_FINGERPRINT");
        assertThat(entry.path("source").asString()).isEqualTo("Peer Lab");
        assertThat(entry.path("active").asBoolean()).isTrue();

        admin.get().uri("/admin/indicators/export").header("Authorization", CAROL.bearer()).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.type").isEqualTo("bundle");
        admin.get().uri("/admin/indicators/export?validity=forever").header("Authorization", CAROL.bearer()).exchange()
                .expectStatus().isBadRequest().expectBody();

        Path audit = Path.of(properties.audit().path());
        assertThat(AuditFiles.verifier(audit).verify(audit).intact()).isTrue();
        assertThat(Files.readString(audit)).contains("\"actor\":\"carol\",\"auth\":\"token\",\"action\":\"indicators-import\"",
                "Peer Lab", "\"actor\":\"carol\",\"auth\":\"token\",\"action\":\"indicators-export\"");
    }
}
