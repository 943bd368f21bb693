package io.extractionguard.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.gateway.support.Await;
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

    /** Waits until the 41-token answer that spends {@code account}'s metered budget has been charged. */
    void awaitSpent(String account) throws InterruptedException {
        Await.until(() -> meteredOutputLeft(account), left -> left == 0, "metered budget spent");
    }

    /**
     * Checks a refusal for a spent budget: 429 with a retry-after of a few seconds and the named
     * remaining-tokens header at 0.
     *
     * @return the retry-after seconds
     */
    static long assertSpentBudgetRefusal(int status, Function<String, List<String>> headers, String remainingHeader) {
        assertThat(status).isEqualTo(429);
        long retryAfter = Long.parseLong(headers.apply("retry-after").get(0));
        assertThat(retryAfter).isBetween(2L, 3L);
        assertThat(headers.apply(remainingHeader)).containsExactly("0");
        return retryAfter;
    }

    /**
     * Runs a call with SDK retries on and checks they honoured retry-after: the SDK's own backoff
     * would retry after ~0.5 s and ~1 s and fail, so success after ≥ 1.5 s with exactly one refused
     * attempt and one admitted one means it waited as told.
     *
     * @param call     the call; returns the output tokens of its answer
     * @param expected output tokens the answer must have
     */
    void assertRetryHonoursRetryAfter(LongSupplier call, long expected, long retryAfter) {
        long served = TestBackend.get().requestCount();
        double throttles = tokenThrottles();
        long started = System.nanoTime();
        assertThat(call.getAsLong()).isEqualTo(expected);
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(waitedMs).as("waited for retry-after (%d s)", retryAfter).isGreaterThanOrEqualTo(1_500);
        assertThat(tokenThrottles() - throttles).as("the first attempt was refused, the retry admitted").isEqualTo(1);
        assertThat(TestBackend.get().requestCount() - served).as("only the admitted retry reached the model").isEqualTo(1);
    }
}
