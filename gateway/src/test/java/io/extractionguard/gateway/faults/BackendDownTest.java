package io.extractionguard.gateway.faults;

import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The model API is down: clients get 502 in their API's format, not a Spring error page. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class BackendDownTest {

    @DynamicPropertySource
    static void deadUpstream(DynamicPropertyRegistry registry) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free now, nothing listens after the socket closes
        }
        int dead = port;
        registry.add("guard.upstream-uri", () -> "http://127.0.0.1:" + dead);
    }

    @Autowired
    WebTestClient client;

    @Test
    void unreachableModelApiIsA502InEachApisFormat() {
        client.post().uri("/v1/messages").header("x-account-id", "acct-down").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isEqualTo(502)
                .expectBody().jsonPath("$.type").isEqualTo("error")
                .jsonPath("$.error.type").isEqualTo("api_error")
                .jsonPath("$.error.message").isEqualTo("The model API is unreachable. Retry later.");
        client.post().uri("/v1/chat/completions").header("x-account-id", "acct-down").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange()
                .expectStatus().isEqualTo(502)
                .expectBody().jsonPath("$.error.code").isEqualTo("upstream_unreachable");
    }
}
