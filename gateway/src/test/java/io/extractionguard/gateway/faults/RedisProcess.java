package io.extractionguard.gateway.faults;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

import io.extractionguard.gateway.support.TestRedis;
import redis.clients.jedis.Jedis;

/**
 * The machine's {@code redis-server}, owned by one fault scenario: its own free loopback port and
 * directory, AOF on (like a production Redis), so it can be SIGKILLed, paused (SIGSTOP) and restarted on
 * the same data. Also a sentinel ({@link #sentinel}).
 */
final class RedisProcess implements AutoCloseable {

    final int port;
    private final Path dir;
    private final List<String> extra;
    private Process process;

    private RedisProcess(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = extra;
    }

    static String binary() {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (new File(p, "redis-server").canExecute()) {
                return new File(p, "redis-server").getPath();
            }
        }
        Assumptions.abort("redis-server is not installed: the fault suite needs the machine's redis-server");
        return null;
    }

    /** Configured (not started) on a free port. */
    static RedisProcess on(String... extra) {
        try {
            return new RedisProcess(TestRedis.freePort(), Files.createTempDirectory("eg-fault-redis-"), List.of(extra));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    synchronized RedisProcess start() {
        List<String> cmd = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "yes", "--daemonize", "no"));
        cmd.addAll(extra);
        process = launch(cmd, dir.resolve("redis.log"));
        awaitAnswer(port);
        return this;
    }

    /** A sentinel watching {@code master} under {@code name} (quorum 1, down after 1 s). */
    static RedisProcess sentinel(String name, int masterPort) {
        RedisProcess s = on();
        try {
            Path conf = s.dir.resolve("sentinel.conf");
            Files.writeString(conf, "port " + s.port + "\nbind 127.0.0.1\ndir " + s.dir + "\n"
                    + "sentinel monitor " + name + " 127.0.0.1 " + masterPort + " 1\n"
                    + "sentinel down-after-milliseconds " + name + " 1000\n"
                    + "sentinel failover-timeout " + name + " 10000\n");
            s.process = launch(List.of(binary(), conf.toString(), "--sentinel"), s.dir.resolve("sentinel.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitAnswer(s.port);
        return s;
    }

    private static Process launch(List<String> cmd, Path log) {
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitAnswer(int port) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!FaultSupport.redisAnswers(port)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not answer on port " + port);
            }
            FaultSupport.sleep(20);
        }
    }

    synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown save; the AOF holds what Redis acknowledged. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /**
     * How many replicas hold everything this master has been sent so far (all clients' writes), waiting up
     * to {@code timeoutMillis} for {@code replicas} of them. A {@code WAIT} alone does not tell: it waits for
     * the writes of its own connection only, so on a connection that wrote nothing it returns at once with
     * every connected replica, however far behind. Hence a fence write first: replication is one ordered
     * stream, so a replica that acknowledged the fence has every write before it.
     */
    long replicasCaughtUp(int replicas, long timeoutMillis) {
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            jedis.set("fault-suite:replication-fence", Long.toString(System.nanoTime()));
            return jedis.waitReplicas(replicas, timeoutMillis);
        }
    }

    void signal(String sig) {
        FaultSupport.exec("kill", "-" + sig, Long.toString(process.pid()));
    }

    @Override
    public void close() {
        kill();
    }
}
