package io.extractionguard.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a Redis server that counts what the clients behind it send and receive:
 * commands (top-level RESP arrays, so every command of a pipeline counts once, and a script call
 * counts as one whatever it runs inside) and bytes each way. Several processes share one Redis in
 * the fleet simulation; INFO commandstats counts them all, this counts one replica's share.
 */
public final class RespCountingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong bytesToRedis = new AtomicLong();
    private final AtomicLong bytesFromRedis = new AtomicLong();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean open = true;

    /** Listens on {@code port} (0: any free port) of 127.0.0.1 and forwards to {@code host:redisPort}. */
    public RespCountingProxy(int port, String host, int redisPort) throws IOException {
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress("127.0.0.1", port));
        this.upstream = new InetSocketAddress(host, redisPort);
        Thread accept = new Thread(this::accept, "resp-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public long commands() {
        return commands.get();
    }

    public long bytesToRedis() {
        return bytesToRedis.get();
    }

    public long bytesFromRedis() {
        return bytesFromRedis.get();
    }

    private void accept() {
        while (open) {
            try {
                Socket client = server.accept();
                Socket redis = new Socket();
                redis.connect(upstream, 2000);
                client.setTcpNoDelay(true);
                redis.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(redis);
                RespCounter counter = new RespCounter();
                pump(client, redis, bytesToRedis, counter);
                pump(redis, client, bytesFromRedis, null);
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong bytes, RespCounter counter) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (counter != null) {
                        counter.feed(buf, n);
                    }
                    bytes.addAndGet(n);
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // a side closed: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "resp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
        sockets.forEach(RespCountingProxy::closeQuietly);
    }

    /** Counts the top-level arrays of a RESP request stream, skipping bulk payloads (which may hold any byte). */
    private final class RespCounter {
        private final StringBuilder line = new StringBuilder();
        private long skip;

        void feed(byte[] b, int n) {
            int i = 0;
            while (i < n) {
                if (skip > 0) {
                    int step = (int) Math.min(skip, n - i);
                    skip -= step;
                    i += step;
                    continue;
                }
                byte c = b[i++];
                if (c == '\n') {
                    header();
                    line.setLength(0);
                } else if (c != '\r') {
                    line.append((char) c);
                }
            }
        }

        private void header() {
            if (line.isEmpty()) {
                return;
            }
            char kind = line.charAt(0);
            if (kind == '*') {
                commands.incrementAndGet();
            } else if (kind == '$') {
                long length = Long.parseLong(line, 1, line.length(), 10);
                skip = length < 0 ? 0 : length + 2;
            } else {
                commands.incrementAndGet(); // an inline command
            }
        }
    }
}
