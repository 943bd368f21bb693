package io.extractionguard.gateway.faults;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;

/** The model API answers too slowly: the response timeout bounds the wait and the client gets 504. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.cloud.gateway.server.webflux.httpclient.response-timeout=500ms")
@AutoConfigureWebTestClient(timeout = "30s")
class BackendSlowTest {

    static final DemoBackend SLOW = DemoBackend.start(DemoBackendSettings.DEFAULT.withFirstByteDelay(Duration.ofSeconds(3)));

    @DynamicPropertySource
    static void slowUpstream(DynamicPropertyRegistry registry) {
        registry.add("guard.upstream-uri", SLOW::baseUrl);
    }

    @AfterAll
    static void stop() {
        SLOW.close();
    }

    @Autowired
    WebTestClient client;

    @Test
    void slowModelApiIsA504WithinTheResponseTimeout() {
        long started = System.nanoTime();
        client.post().uri("/v1/responses").header("x-account-id", "acct-slow").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"input\":\"hi\"}")
                .exchange()
                .expectStatus().isEqualTo(504)
                .expectBody().jsonPath("$.error.code").isEqualTo("upstream_timeout")
                .jsonPath("$.error.message").isEqualTo("The model API did not answer in time. Retry later.");
        org.assertj.core.api.Assertions.assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("bounded by the 500 ms response timeout, not the backend's 3 s").isLessThan(Duration.ofSeconds(2));
    }
}
