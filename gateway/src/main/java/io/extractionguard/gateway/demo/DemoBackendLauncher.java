package io.extractionguard.gateway.demo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;
import io.extractionguard.gateway.config.GuardProperties;

/**
 * Starts the demo model backend in-process for the embedded default ({@code guard.demo-backend.enabled}),
 * so the gateway answers {@code curl} at once without a real model server.
 */
@Component
@ConditionalOnProperty(name = "guard.demo-backend.enabled", havingValue = "true")
public class DemoBackendLauncher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DemoBackendLauncher.class);

    private final GuardProperties.DemoBackend settings;
    private volatile DemoBackend backend;

    public DemoBackendLauncher(GuardProperties properties) {
        this.settings = properties.demoBackend();
    }

    @Override
    public void start() {
        backend = DemoBackend.start(DemoBackendSettings.DEFAULT
                .withPort(settings.port())
                .withOutputTokens(settings.outputTokens())
                .withFirstByteDelay(settings.firstByteDelay())
                .withStreaming(DemoBackendSettings.DEFAULT.tokensPerChunk(), settings.chunkInterval()));
        log.info("demo model backend listening on {} (Anthropic and OpenAI formats)", backend.baseUrl());
    }

    @Override
    public void stop() {
        DemoBackend b = backend;
        backend = null;
        if (b != null) {
            b.close();
        }
    }

    @Override
    public boolean isRunning() {
        return backend != null;
    }

    /** Start before the web server so the first forwarded request finds the backend. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
