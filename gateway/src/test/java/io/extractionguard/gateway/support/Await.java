package io.extractionguard.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Waits for a figure the gateway updates just after a response ends (usage is charged when the
 * body completes, a moment after the client has its last byte).
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
}
