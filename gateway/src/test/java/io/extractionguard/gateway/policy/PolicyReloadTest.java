package io.extractionguard.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.audit.AuditVerifier;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.support.AuditFiles;
import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Live policies: the policy file sits in a directory laid out like a Kubernetes ConfigMap volume
 * ({@code default.yaml -> ..data/default.yaml}, {@code ..data -> ..<timestamp>}), and updates swap the
 * {@code ..data} symlink atomically as the kubelet does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class PolicyReloadTest {

    static final Path CONFIG_MAP;
    static final String SHIPPED;

    static {
        try {
            CONFIG_MAP = Files.createTempDirectory("configmap");
            SHIPPED = Files.readString(Path.of("..", "config", "policies", "default.yaml"));
            publish(SHIPPED);
            Files.createSymbolicLink(CONFIG_MAP.resolve("default.yaml"), Path.of("..data", "default.yaml"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        registry.add("guard.policy.path", () -> CONFIG_MAP.resolve("default.yaml").toString());
        registry.add("guard.policy.poll-interval", () -> "200ms");
    }

    /** Writes a new timestamped directory and swaps the ..data symlink to it, like the kubelet. */
    static void publish(String content) throws IOException {
        Path version = CONFIG_MAP.resolve("..v" + UUID.randomUUID());
        Files.createDirectory(version);
        Files.writeString(version.resolve("default.yaml"), content);
        Path tmp = CONFIG_MAP.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, version.getFileName());
        Files.move(tmp, CONFIG_MAP.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    PolicyHolder holder;

    @Autowired
    PolicyReloader reloader;

    @Autowired
    MeterRegistry meters;

    @Autowired
    GuardProperties properties;

    private String rateLimitPolicyHeader() {
        return client.post().uri("/v1/messages")
                .header("x-account-id", "acct-" + UUID.randomUUID())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseHeaders().getFirst("RateLimit-Policy");
    }

    @Test
    void validChangeIsAppliedWithoutRestartAndInvalidChangeIsRejectedKeepingTheLastGoodPolicy(CapturedOutput output)
            throws Exception {
        assertThat(rateLimitPolicyHeader()).isEqualTo("\"requests\";q=10;w=60");

        // 1. a valid change: the free tier drops to 3 requests a minute, under a new version
        String changed = SHIPPED.replaceFirst("(?m)^version: \"[^\"]+\"", "version: \"reload-test-2\"")
                .replace("    requests-per-minute: 10\n", "    requests-per-minute: 3\n");
        assertThat(changed).isNotEqualTo(SHIPPED);
        publish(changed);
        await(() -> holder.get().version().equals("reload-test-2"));
        assertThat(rateLimitPolicyHeader()).isEqualTo("\"requests\";q=3;w=60");
        assertThat(meters.get("guard.policy.active").tag("version", "reload-test-2").gauge().value()).isEqualTo(1.0);

        // 2. an invalid change: rejected with every error and its line; version 2 stays enforced
        double rejectedBefore = meters.get("guard.policy.reloads").tag("outcome", "rejected").counter().count();
        String broken = changed.replace("version: \"reload-test-2\"", "version: \"reload-test-3\"")
                .replace("mode: enforce", "mode: enforced")
                .replace("weight: 25, low: 0.15", "weight: 250, low: 0.15");
        publish(broken);
        await(() -> !reloader.status().lastErrors().isEmpty());
        assertThat(reloader.status().lastErrors()).containsExactly(
                "default.yaml:5 mode: must be one of enforce, shadow, was 'enforced' (did you mean 'enforce'?)",
                "default.yaml:" + lineOf(broken, "weight: 250") + " signals.cot-elicitation.weight: must be between 0 and 100, was 250");
        assertThat(holder.get().version()).isEqualTo("reload-test-2");
        assertThat(rateLimitPolicyHeader()).isEqualTo("\"requests\";q=3;w=60");
        assertThat(meters.get("guard.policy.reloads").tag("outcome", "rejected").counter().count())
                .isEqualTo(rejectedBefore + 1);
        assertThat(output.getOut()).contains("policy file", "rejected with 2 error(s); policy reload-test-2 (");

        // 3. both outcomes are in the tamper-evident audit trail
        Path audit = Path.of(properties.audit().path());
        AuditVerifier.Result chain = AuditFiles.verifier(audit).verify(audit);
        assertThat(chain.intact()).as(chain.toString()).isTrue();
        String trail = Files.readString(audit);
        assertThat(trail).contains("\"kind\":\"policy\"", "\"outcome\":\"applied\"", "\"version\":\"reload-test-2\"",
                "\"outcome\":\"rejected\"", "weight: must be between 0 and 100, was 250");
    }

    static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle + " not found");
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(50);
        }
    }
}
