package io.extractionguard.gateway.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.GatewayApplication;

/**
 * A whole gateway application (its own Spring context, ports, Redis client) started inside a test,
 * so one test can run several replicas side by side and stop or restart them. Points at the shared
 * test backend. Each application runs on event loops of its own
 * ({@code NettyResourcesConfiguration}), so closing one leaves the others and the backend running.
 */
public final class GatewayInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private GatewayInstance(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** Starts a gateway with the {@code redis} profile against {@code redisUrl}, keys under {@code prefix}. */
    public static GatewayInstance redis(String redisUrl, String prefix, Map<String, String> extra) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("server.port", "0");
        props.put("management.server.port", "0");
        props.put("guard.upstream-uri", TestBackend.get().baseUrl());
        props.put("guard.decision-log.enabled", "false");
        props.put("guard.identity.credential-hash-key", "test-credential-hash-key-0123456789");
        props.put("guard.state.redis.address", redisUrl);
        props.put("guard.state.redis.key-prefix", prefix);
        props.putAll(extra);
        // as command-line arguments: they outrank application.yml (builder "properties" are only defaults)
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .profiles("redis")
                .run(args);
        return new GatewayInstance(context);
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    public int managementPort() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
    }

    public WebTestClient client() {
        return TestHttp.to(port());
    }

    public WebTestClient management() {
        return TestHttp.to(managementPort());
    }

    @Override
    public void close() {
        context.close();
    }

    /** Closes those started (nulls are skipped), then deletes the keys under {@code prefix}. */
    public static void closeAll(String redisUrl, String prefix, GatewayInstance... gateways) {
        for (GatewayInstance g : gateways) {
            if (g != null) {
                g.close();
            }
        }
        TestRedis.deleteKeys(redisUrl, prefix);
    }
}
