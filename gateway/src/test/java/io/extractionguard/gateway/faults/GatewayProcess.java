package io.extractionguard.gateway.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.support.TestRedis;

/**
 * A gateway replica in a JVM of its own (this test JVM's class path), so a scenario can kill it with
 * SIGKILL — no shutdown hook, no flush — as an orchestrator or the OOM killer would.
 */
final class GatewayProcess implements AutoCloseable {

    final int port = TestRedis.freePort();
    final int managementPort = TestRedis.freePort();
    final Path log;
    private final Process process;

    GatewayProcess(Path dir, String name, Map<String, String> settings) {
        this.log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                GatewayApplication.class.getName(), "--spring.profiles.active=redis",
                "--server.port=" + port, "--management.server.port=" + managementPort));
        settings.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Waits until the replica answers its health endpoint (it reads the retained streams first). */
    GatewayProcess awaitUp(long seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!FaultSupport.health(managementPort).contains("\"status\":\"UP\"")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("gateway " + log.getFileName() + " did not come up; see " + log);
            }
            FaultSupport.sleep(250);
        }
        return this;
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: graceful
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}
