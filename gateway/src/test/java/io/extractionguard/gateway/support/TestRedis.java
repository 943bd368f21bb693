package io.extractionguard.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import redis.embedded.RedisServer;

/**
 * Redis for tests. {@link #shared()} is the Redis at {@code REDIS_URL} (default
 * {@code redis://127.0.0.1:6379}) when it answers, else one embedded Redis started for this JVM, so
 * the suite passes on a machine without Redis. Tests never flush a shared Redis: each uses its own
 * key prefix ({@link #uniquePrefix}) and deletes its keys. {@link Owned} is an embedded Redis a test
 * may stop and start (outages), persisting to a temporary directory like a production Redis would.
 */
public final class TestRedis {

    private static volatile String sharedUrl;

    private TestRedis() {
    }

    /** The Redis URL all tests of this JVM share. */
    public static synchronized String shared() {
        if (sharedUrl == null) {
            String configured = System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
            if (answers(configured)) {
                sharedUrl = configured;
            } else {
                Owned embedded = Owned.start();
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop));
                sharedUrl = embedded.url();
                System.err.println("[TestRedis] no Redis at " + configured + ": started an embedded one at " + sharedUrl);
            }
        }
        return sharedUrl;
    }

    /** A key prefix no other test run uses. */
    public static String uniquePrefix(String what) {
        return "egtest-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A plain client for inspecting and cleaning up (tests only). */
    public static RedissonClient client(String url) {
        Config config = new Config();
        config.useSingleServer().setAddress(url).setConnectionMinimumIdleSize(1).setConnectionPoolSize(4)
                .setRetryAttempts(2).setTimeout(10_000); // cleanup SCANs and DELs a fleet's keys on a loaded machine
        return Redisson.create(config);
    }

    /** Deletes every key under {@code prefix} (never anything else). */
    public static void deleteKeys(String url, String prefix) {
        RedissonClient client = client(url);
        try {
            client.getKeys().deleteByPattern(prefix + ":*");
        } finally {
            client.shutdown();
        }
    }

    /** Whether a Redis answers PING at {@code url} (plain RESP over a socket, 500 ms budget). */
    public static boolean answers(String url) {
        URI uri = URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379), 500);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            int n = in.read(reply);
            return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Redis Cluster's bus listens on the client port plus this; a client port above 55535 makes a node exit. */
    static final int CLUSTER_BUS_OFFSET = 10_000;

    /**
     * {@code count} distinct free ports for Redis Cluster nodes: each at most 55535, with its bus port
     * (port + 10000) free too and no port the bus port of another. {@link #freePort()} alone handed out
     * ports from the whole ephemeral range (32768-60999 here), a fifth of them above 55535, where
     * redis-server refuses cluster mode, and never checked the bus port another process may hold. All
     * are held while choosing, so no two coincide.
     */
    public static List<Integer> freeClusterPorts(int count) {
        List<ServerSocket> held = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int attempt = 0; ports.size() < count; attempt++) {
                if (attempt > 1000) {
                    throw new IllegalStateException("no free Redis Cluster ports (port and port + 10000) after 1000 tries");
                }
                ServerSocket client = new ServerSocket(0);
                held.add(client);
                int port = client.getLocalPort();
                if (port + CLUSTER_BUS_OFFSET > 65_535) {
                    continue;
                }
                try {
                    held.add(new ServerSocket(port + CLUSTER_BUS_OFFSET));
                } catch (IOException busTaken) {
                    continue;
                }
                ports.add(port);
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
    }

    /** An embedded Redis owned by one test: stop it to simulate an outage, start it again on the same port. */
    public static final class Owned {
        private final int port;
        private final Path dir;
        private RedisServer server;

        private Owned(int port, Path dir) {
            this.port = port;
            this.dir = dir;
        }

        public static Owned start() {
            try {
                Owned owned = new Owned(freePort(), Files.createTempDirectory("eg-redis-"));
                owned.startAgain();
                return owned;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String url() {
            return "redis://127.0.0.1:" + port;
        }

        /** Starts (again) on the same port, loading what the last stop saved. */
        public synchronized void startAgain() {
            try {
                server = RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("dir " + dir)
                        .setting("save 3600 1")     // any save point: SIGTERM saves, restart loads (no data loss)
                        .setting("appendonly no")
                        .build();
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!answers(url())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("embedded Redis did not answer on port " + port);
                }
                sleep(20);
            }
        }

        public synchronized boolean running() {
            return server != null;
        }

        public synchronized void stop() {
            if (server != null) {
                try {
                    server.stop();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                server = null;
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (answers(url()) && System.nanoTime() < deadline) {
                sleep(20);
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
