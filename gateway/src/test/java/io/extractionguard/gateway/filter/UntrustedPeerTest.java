package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;

import io.extractionguard.gateway.support.Await;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.support.TestBackend;

/** When the caller is not a trusted proxy, identity headers are neither believed nor forwarded. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.identity.trusted-proxies=10.255.255.0/24")
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class UntrustedPeerTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    @Test
    void spoofedAccountHeadersFromAnUntrustedPeerAreStrippedBeforeForwarding() {
        client.post().uri("/v1/messages")
                .header("x-account-id", "acct-someone-else")
                .header("x-account-tier", "enterprise")
                .header("x-api-key", "sk-attacker")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isOk()
                // free tier limits apply, not the claimed enterprise tier
                .expectHeader().valueEquals("RateLimit-Policy", "\"requests\";q=10;w=60").expectBody();
        var received = TestBackend.get().lastRequest().orElseThrow();
        assertThat(received.headers()).doesNotContainKeys("x-account-id", "x-account-tier");
        assertThat(received.headers()).containsEntry("x-api-key", "sk-attacker");
    }

    @Test
    void forwardedForFromAnUntrustedPeerIsIgnoredAndTheAccountIsTheKeyHash(CapturedOutput output) throws InterruptedException {
        String key = "sk-untrusted-" + UUID.randomUUID();
        client.post().uri("/v1/messages")
                .header("x-forwarded-for", "203.0.113.5")
                .header("x-forwarded-for", "198.51.100.7")
                .header("x-account-id", "acct-victim")
                .header("x-api-key", key)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isOk().expectBody();
        String line = Await.logLine(output, l -> l.contains("\"event\":\"decision\"")
                && l.contains("\"account_source\":\"CREDENTIAL\""));
        // the peer itself (loopback) is the client; neither claimed address nor the claimed account is used
        assertThat(line).contains("\"client_net\":\"127.0.0.0/24\"", "\"account\":\"key-", "\"stripped_headers\":1")
                .doesNotContain("203.0.113", "198.51.100", "acct-victim");
        assertThat(output.getAll()).doesNotContain(key);
    }
}
