package io.extractionguard.gateway.support;

import java.time.Duration;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;

/**
 * One real demo model backend for all gateway tests in the JVM (so Spring can reuse contexts).
 * It streams one token per event every 25 ms, so a 40-token stream lasts about a second.
 */
public final class TestBackend {

    private static final DemoBackend BACKEND = DemoBackend.start(DemoBackendSettings.DEFAULT
            .withOutputTokens(64)
            .withStreaming(1, Duration.ofMillis(25)));

    private TestBackend() {
    }

    public static DemoBackend get() {
        return BACKEND;
    }

    /** Points the gateway's route at the test backend. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("guard.upstream-uri", BACKEND::baseUrl);
    }
}
