package io.extractionguard.bench.driver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.netty.buffer.Unpooled;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Open-model load at a fixed rate, free of coordinated omission: request {@code i} is due at
 * {@code start + i / rate} and its latency is measured from that intended time, so a stalled
 * gateway is charged for every request that queued behind the stall (the pool waits for a free
 * connection instead of skipping sends). An unrecorded run of up to 2 s at the same rate comes
 * first (connections opened, driver JIT-warm). Prints one line of {@code key=value} pairs.
 *
 * <pre>
 * java -cp … io.extractionguard.bench.driver.FixedRateDriver --url http://127.0.0.1:8080 --bodies b.jsonl
 *      --rate 500 --seconds 8 [--connections 64] [--accounts 10000] [--hot-account acct] [--tier enterprise]
 * </pre>
 */
public final class FixedRateDriver {

    private FixedRateDriver() {
    }

    /** What one run measured (latencies in microseconds). */
    public record Result(double rate, int connections, long sent, long ok, long rejected, long errors, double p50, double p90, double p99,
                         double p999, double max) {
        String line() {
            return "rate=%.0f connections=%d sent=%d ok=%d rejected=%d errors=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f"
                    .formatted(rate, connections, sent, ok, rejected, errors, p50, p90, p99, p999, max);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = null;
        Path bodies = null;
        double rate = 100;
        int seconds = 8;
        int connections = 64;
        int accounts = 10_000;
        String hot = null;
        String tier = "enterprise";
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--url" -> url = v;
                case "--bodies" -> bodies = Path.of(v);
                case "--rate" -> rate = Double.parseDouble(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--connections" -> connections = Integer.parseInt(v);
                case "--accounts" -> accounts = Integer.parseInt(v);
                case "--hot-account" -> hot = v;
                case "--tier" -> tier = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (url == null || bodies == null) {
            throw new IllegalArgumentException("--url and --bodies are required");
        }
        System.out.println(run(url, Files.readAllLines(bodies, StandardCharsets.UTF_8), rate, seconds, connections,
                accounts, hot, tier).line());
        System.exit(0);
    }

    public static Result run(String url, List<String> bodies, double rate, int seconds, int connections, int accounts,
                             String hotAccount, String tier) throws InterruptedException {
        byte[][] payloads = bodies.stream().map(b -> b.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        ConnectionProvider pool = ConnectionProvider.builder("bench")
                .maxConnections(connections)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofSeconds(60))
                .build();
        LoopResources loops = LoopResources.create("bench", 1, true);
        HttpClient client = HttpClient.create(pool).runOn(loops).baseUrl(url)
                .responseTimeout(Duration.ofSeconds(30));
        try {
            // unrecorded: opens the connections and warms this JVM, so the measured run starts steady
            schedule(client, payloads, rate, Math.min(2, seconds), accounts, hotAccount, tier);
            return schedule(client, payloads, rate, seconds, accounts, hotAccount, tier);
        } finally {
            pool.disposeLater().block(Duration.ofSeconds(5));
            loops.disposeLater().block(Duration.ofSeconds(5));
        }
    }

    private static Result schedule(HttpClient client, byte[][] payloads, double rate, int seconds, int accounts,
                                   String hotAccount, String tier) throws InterruptedException {
        int connections = client.configuration().connectionProvider().maxConnections();
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong ok = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long total = (long) (rate * seconds);
        CountDownLatch done = new CountDownLatch((int) total);
        SplittableRandom rng = new SplittableRandom(42);
        double interval = 1e9 / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        for (long i = 0; i < total; i++) {
            long intended = start + (long) (i * interval);
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            String account = hotAccount != null ? hotAccount : "bench-" + rng.nextInt(accounts);
            byte[] body = payloads[(int) (i % payloads.length)];
            client.headers(h -> h.set("content-type", "application/json")
                            .set("x-account-id", account).set("x-account-tier", tier))
                    .post().uri("/v1/messages")
                    .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                    .responseSingle((res, content) -> content.then(Mono.just(res.status().code())))
                    .subscribe(code -> {
                        recorder.recordValue(Math.max(0, System.nanoTime() - intended));
                        (code == 200 ? ok : rejected).incrementAndGet();
                        done.countDown();
                    }, err -> {
                        recorder.recordValue(Math.max(0, System.nanoTime() - intended));
                        errors.incrementAndGet();
                        done.countDown();
                    });
        }
        done.await(90, TimeUnit.SECONDS);
        Histogram h = recorder.getIntervalHistogram();
        return new Result(rate, connections, total, ok.get(), rejected.get(), errors.get(), h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3);
    }
}
