package io.extractionguard.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.extractionguard.engine.limits.TokenLimiter;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway on a random port in front of the shared demo backend, under
 * {@code policies/conformance.yaml}; subclasses drive it with an official SDK as the client.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class SdkConformanceBase {

    /** Words the demo backend answers with (each is one token). */
    static final Set<String> WORDS = Set.copyOf(Arrays.asList(("the model answers with a deterministic sequence of plain words so that "
            + "tests can count tokens exactly and load tests stay cheap while every byte still flows through "
            + "the gateway like a real completion would").split(" ")));

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        registry.add("guard.policy.path", () -> "src/test/resources/policies/conformance.yaml");
    }

    @LocalServerPort
    int port;

    @Autowired
    TokenLimiter tokens;

    @Autowired
    PolicyHolder policy;

    @Autowired
    MeterRegistry meters;

    /** Requests the gateway refused because a token budget was spent. */
    double tokenThrottles() {
        return meters.find("guard.decisions").tag("action", "THROTTLE").tag("reason", "token-budget").counters()
                .stream().mapToDouble(c -> c.count()).sum();
    }

    static String account() {
        return "acct-" + UUID.randomUUID();
    }

    String gateway() {
        return "http://127.0.0.1:" + port;
    }

    /** The text is the backend's answer, whole: {@code tokens} words of its vocabulary, single-spaced. */
    static void assertIntactAnswer(String text, long tokens) {
        String[] words = text.split(" ", -1);
        assertThat(words).as("answer '%s'", text).hasSize((int) tokens);
        assertThat(Arrays.stream(words).allMatch(WORDS::contains)).as("answer '%s'", text).isTrue();
    }

    /** Output tokens the metered tier still has for {@code account}. */
    long meteredOutputLeft(String account) {
        var p = policy.get();
        return tokens.check(account, p.tokenBudget(p.tierLimits("metered")), 1.0).output().remaining();
    }

    /** Spends the metered budget of {@code account}: waits until its 41-token answer has been charged. */
    void awaitSpent(String account) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (meteredOutputLeft(account) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(meteredOutputLeft(account)).isZero();
    }
}
