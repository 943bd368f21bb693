package io.extractionguard.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.support.TestBackend;

import static org.assertj.core.api.Assertions.assertThat;

/** Without a configured token the admin API does not exist, and start-up says so. */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "guard.admin.token=")
@ExtendWith(OutputCaptureExtension.class)
class AdminApiDisabledTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @LocalManagementPort
    int managementPort;

    @Test
    void adminApiIsAbsentWithoutATokenAndStartUpSaysSo(CapturedOutput output) {
        TestHttp.to(managementPort)
                .get().uri("/admin/accounts/acct-1").header("Authorization", "Bearer anything").exchange()
                .expectStatus().isNotFound().expectBody();
        assertThat(output.getAll()).contains("admin API disabled: guard.admin.token is not set");
    }
}
