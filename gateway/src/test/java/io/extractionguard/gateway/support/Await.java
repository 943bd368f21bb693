package io.extractionguard.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import org.springframework.boot.test.system.CapturedOutput;

/**
 * Waits for a figure the gateway updates just after a response ends (usage is charged when the
 * body completes, a moment after the client has its last byte), or for a decision line (written by
 * the recorder's own thread, a moment after the response).
 */
public final class Await {

    private Await() {
    }

    /** Polls {@code value} for up to five seconds until it satisfies {@code condition}; then asserts it does. */
    public static long until(LongSupplier value, LongPredicate condition, String description) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.test(value.getAsLong()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long last = value.getAsLong();
        assertThat(condition.test(last)).as("%s, was %d", description, last).isTrue();
        return last;
    }

    /** Polls the captured standard output for up to five seconds for a line matching {@code matching}; returns the last such line. */
    public static String logLine(CapturedOutput output, Predicate<String> matching) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            String last = output.getOut().lines().filter(matching).reduce((a, b) -> b).orElse(null);
            if (last != null) {
                return last;
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("no matching line in the output within 5 s");
            }
            Thread.sleep(10);
        }
    }
}
