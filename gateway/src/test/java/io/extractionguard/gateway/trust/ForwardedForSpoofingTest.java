package io.extractionguard.gateway.trust;

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

/**
 * Spoofing the client address through {@code x-forwarded-for} while the test client (loopback) is
 * the trusted proxy: the walk goes right to left through trusted hops only, so whatever the client
 * wrote left of the hop its proxy appended is never taken as its address. The client network the
 * guard settled on is read from the decision log line ({@code client_net}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.identity.trusted-proxies=127.0.0.1/32,::1/128,10.0.0.0/8")
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class ForwardedForSpoofingTest {

    static final String BODY = "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    /** Sends one request with the given x-forwarded-for field lines; returns the client network logged. */
    private String clientNet(CapturedOutput output, String... forwardedFor) throws InterruptedException {
        String account = "acct-xff-" + UUID.randomUUID();
        client.post().uri("/v1/messages")
                .header("x-account-id", account)
                .header("x-forwarded-for", forwardedFor)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(BODY)
                .exchange()
                .expectStatus().isOk().expectBody();
        String line = Await.logLine(output, l -> l.contains(account));
        int at = line.indexOf("\"client_net\":\"");
        assertThat(at).as("client_net in %s", line).isPositive();
        return line.substring(at + 14, line.indexOf('"', at + 14));
    }

    @Test
    void aClientSuppliedPrefixBehindTheTrustedProxyIsNotBelieved(CapturedOutput output) throws InterruptedException {
        // the client wrote 1.1.1.1; its edge proxy 10.0.0.2 appended the real address 203.0.113.5
        assertThat(clientNet(output, "1.1.1.1, 203.0.113.5, 10.0.0.2")).isEqualTo("203.0.113.0/24");
        assertThat(clientNet(output, "8.8.8.8, 1.1.1.1, 198.51.100.7")).isEqualTo("198.51.100.0/24");
    }

    @Test
    void repeatedForwardedForFieldLinesAreOneListWalkedFromTheLastLine(CapturedOutput output) throws InterruptedException {
        // a client sends its own x-forwarded-for line; the proxy adds a second line instead of appending
        assertThat(clientNet(output, "1.1.1.1", "203.0.113.5")).isEqualTo("203.0.113.0/24");
        assertThat(clientNet(output, "1.1.1.1, 9.9.9.9", "198.51.100.7, 10.0.0.2")).isEqualTo("198.51.100.0/24");
    }

    @Test
    void garbageEntriesStopTheWalkAtTheLastTrustedHop(CapturedOutput output) throws InterruptedException {
        // the walk never jumps over an unparseable entry to a spoofed address further left
        assertThat(clientNet(output, "203.0.113.5, evil.example")).isEqualTo("127.0.0.0/24");
        assertThat(clientNet(output, "203.0.113.5, 999.1.1.1, 10.0.0.2")).isEqualTo("10.0.0.0/24");
        assertThat(clientNet(output, "203.0.113.5, , 10.0.0.2")).isEqualTo("10.0.0.0/24");
        assertThat(clientNet(output, "unknown")).isEqualTo("127.0.0.0/24");
    }

    @Test
    void ipv6ClientsBehindTheTrustedProxyAreKeptToTheirSlash48(CapturedOutput output) throws InterruptedException {
        assertThat(clientNet(output, "1.1.1.1, 2001:db8:abcd:12::1")).isEqualTo("2001:0db8:abcd::/48");
        assertThat(clientNet(output, "2001:db8:abcd:12::1, ::1")).isEqualTo("2001:0db8:abcd::/48");
    }
}
