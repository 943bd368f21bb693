package io.extractionguard.gateway.enforce;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

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

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;

/**
 * The KYC system completes a verification hold: a signed callback lifts it, a rejected one turns it
 * into a block; unsigned, mis-signed, stale and replayed callbacks are refused; an operator's block
 * is never lifted by one; both outcomes are audited.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class KycCallbackTest {

    private static final String KEY = "kyc-callback-key-for-tests-0123456789";
    private static final Op OPS = Op.of("erin", Role.READ, Role.OVERRIDE);

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        TestOperators.register(registry, OPS);
        registry.add("guard.enforcement.kyc-key", () -> KEY);
    }

    @LocalManagementPort
    int managementPort;

    @Autowired
    StateStore store;

    @Autowired
    GuardProperties properties;

    private WebTestClient management;

    @BeforeEach
    void client() {
        management = TestHttp.to(managementPort);
    }

    private static String body(String account, String outcome) {
        return "{\"account\":\"" + account + "\",\"outcome\":\"" + outcome + "\",\"reference\":\"kyc-" + UUID.randomUUID() + "\"}";
    }

    private WebTestClient.ResponseSpec call(String body, String signature) {
        WebTestClient.RequestBodySpec spec = management.post().uri("/kyc/callback").contentType(MediaType.APPLICATION_JSON);
        if (signature != null) {
            spec.header(HmacSignature.HEADER, signature);
        }
        return spec.bodyValue(body.getBytes(StandardCharsets.UTF_8)).exchange();
    }

    private static String sign(String key, Instant at, String body) {
        return HmacSignature.sign(key.getBytes(StandardCharsets.UTF_8), at.getEpochSecond(), body.getBytes(StandardCharsets.UTF_8));
    }

    private void hold(String account) {
        store.putVerdict(account, new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plus(Duration.ofDays(1)), "band/hold",
                List.of("cot-elicitation"), ""));
    }

    @Test
    void aSignedVerificationLiftsTheHoldAndForgedStaleOrReplayedCallbacksDoNothing() throws Exception {
        String account = "acct-held-" + UUID.randomUUID();
        hold(account);
        String verified = body(account, "verified");
        call(verified, null).expectStatus().isUnauthorized().expectBody();
        call(verified, sign("not-the-key-not-the-key-not-the-key", Instant.now(), verified)).expectStatus().isUnauthorized().expectBody();
        call(verified, sign(KEY, Instant.now(), verified.replace("verified", "rejected"))).expectStatus().isUnauthorized().expectBody();
        call(verified, sign(KEY, Instant.now().minus(Duration.ofMinutes(10)), verified)).expectStatus().isUnauthorized().expectBody();
        assertThat(store.verdict(account, Instant.now())).as("still held").isPresent();

        String signature = sign(KEY, Instant.now(), verified);
        call(verified, signature).expectStatus().isOk().expectBody().jsonPath("$.released").isEqualTo(true);
        assertThat(store.verdict(account, Instant.now())).as("hold lifted").isEmpty();
        hold(account);
        call(verified, signature).expectStatus().isEqualTo(409).expectBody();
        assertThat(store.verdict(account, Instant.now())).as("a replay lifts nothing").isPresent();
    }

    @Test
    void aRejectedVerificationConfirmsThePenaltyAndAnOperatorBlockIsNotLiftedByVerification() throws Exception {
        String held = "acct-held-" + UUID.randomUUID();
        hold(held);
        String rejected = body(held, "rejected");
        call(rejected, sign(KEY, Instant.now(), rejected)).expectStatus().isOk().expectBody().jsonPath("$.blocked").isEqualTo(true);
        Verdict v = store.verdict(held, Instant.now()).orElseThrow();
        assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
        assertThat(v.source()).startsWith("kyc/kyc-");

        String blocked = "acct-blocked-" + UUID.randomUUID();
        management.post().uri("/admin/accounts/" + blocked + "/block").header("Authorization", OPS.bearer())
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"ttl\":\"1d\",\"reason\":\"TICKET-9\"}").exchange()
                .expectStatus().isOk().expectBody();
        String verified = body(blocked, "verified");
        call(verified, sign(KEY, Instant.now(), verified)).expectStatus().isOk().expectBody().jsonPath("$.released").isEqualTo(false);
        assertThat(store.verdict(blocked, Instant.now()).orElseThrow().source()).isEqualTo("operator/erin");

        Path audit = Path.of(properties.audit().path());
        assertThat(AuditFiles.verifier(audit).verify(audit).intact()).isTrue();
        assertThat(Files.readString(audit)).contains("\"action\":\"kyc-confirm\",\"account\":\"" + held,
                "\"action\":\"kyc-release\",\"account\":\"" + blocked);
    }
}
