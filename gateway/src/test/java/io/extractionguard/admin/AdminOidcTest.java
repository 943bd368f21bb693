package io.extractionguard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.support.BufferLedger;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestIssuer;

/**
 * Operators signing in through an OIDC issuer: the admin API accepts the issuer's access tokens, maps
 * the IdP's groups to roles, and audits the token's principal claim — no shared token configured.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminOidcTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static final String AUDIENCE = "guard-admin-api";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        registry.add("guard.admin.oidc.issuer", ISSUER::issuer);
        registry.add("guard.admin.oidc.audience", () -> AUDIENCE);
        registry.add("guard.admin.oidc.principal-claim", () -> "preferred_username");
        registry.add("guard.admin.oidc.roles-claim", () -> "groups");
        registry.add("guard.admin.oidc.role-mapping[guard-oncall]", () -> "read,override");
        registry.add("guard.admin.oidc.role-mapping[guard-viewers]", () -> "read");
    }

    @AfterAll
    static void stop() {
        ISSUER.close();
    }

    @LocalManagementPort
    int managementPort;

    @Autowired
    GuardProperties properties;

    private String token(String user, String... groups) {
        return ISSUER.sign(ISSUER.claims(UUID.randomUUID().toString(), AUDIENCE).claim("preferred_username", user)
                .claim("groups", java.util.List.of(groups)).build());
    }

    private final BufferLedger ledger = new BufferLedger();

    /** Every response body a test read, or left unread, is released: a status-only check must still drain it. */
    @AfterEach
    void buffersReleased() throws InterruptedException {
        ledger.assertAllReleased();
    }

    private WebTestClient.ResponseSpec block(String bearer, String account) {
        return TestHttp.to(managementPort, ledger).post().uri("/admin/accounts/" + account + "/block").header("Authorization", "Bearer " + bearer)
                .header("x-guard-operator", "someone-else").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"ttl\":\"1h\",\"reason\":\"oidc test\"}").exchange();
    }

    @Test
    void anOperatorSignedInAtTheIssuerActsUnderTheirOwnNameAndGroups() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        block(token("vera", "guard-viewers"), account).expectStatus().isForbidden()
                .expectBody().jsonPath("$.error").isEqualTo("operator vera lacks the 'override' role");
        block(token("omar", "guard-oncall", "staff"), account).expectStatus().isOk()
                .expectBody().jsonPath("$.source").isEqualTo("operator/omar");
        block("not-a-token-and-no-shared-token-configured", account).expectStatus().isForbidden().expectBody();

        Path audit = Path.of(properties.audit().path());
        assertThat(AuditFiles.verifier(audit).verify(audit).intact()).isTrue();
        assertThat(Files.readString(audit)).contains("\"actor\":\"omar\",\"auth\":\"oidc\",\"action\":\"block\",\"account\":\""
                + account).doesNotContain("someone-else");
    }
}
