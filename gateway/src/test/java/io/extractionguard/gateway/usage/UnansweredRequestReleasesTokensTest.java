package io.extractionguard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.gateway.support.Await;
import io.extractionguard.gateway.support.TestRedis;

/**
 * A request the model never answers (its backend is down) gives its token reservation back: under
 * {@code policies/tokens.yaml} (100 output tokens a day) a reservation of 80 that stayed would refuse
 * the next request; released, the budget is whole again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class UnansweredRequestReleasesTokensTest {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("guard.upstream-uri", () -> "http://127.0.0.1:" + TestRedis.freePort());
        registry.add("guard.demo-backend.enabled", () -> "false");
        registry.add("guard.policy.path", () -> "src/test/resources/policies/tokens.yaml");
    }

    @Autowired
    WebTestClient client;

    @Autowired
    TokenLimiter tokens;

    @Autowired
    PolicyHolder policy;

    @Test
    void aRequestWhoseBackendIsUnreachableReleasesItsReservation() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        var p = policy.get();
        var budget = p.tokenBudget(p.tierLimits(null));
        for (int i = 0; i < 3; i++) {
            client.post().uri("/v1/messages").header("x-account-id", account).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"claude-test\",\"max_tokens\":80,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .exchange()
                    .expectStatus().value(status -> assertThat(status).as("the backend's failure, not a spent budget")
                            .isNotEqualTo(429).isGreaterThanOrEqualTo(500)).expectBody();
            Await.until(() -> tokens.check(account, budget, 1.0).output().remaining(), v -> v == 100,
                    "the reservation released");
        }
    }
}
