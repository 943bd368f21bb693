package io.extractionguard.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import io.extractionguard.demo.DemoBackend;
import io.extractionguard.demo.DemoBackendSettings;

/**
 * Time to first byte of a streamed response, through the gateway and directly from the same demo
 * backend, interleaved request by request so both see the same machine conditions. Starts the demo
 * backend itself (the gateway must forward to it); prints median, p90, p99 and the difference.
 *
 * <pre>
 * java -cp loadtest.jar:… io.extractionguard.loadtest.TtfbBenchmark --gateway http://127.0.0.1:8080 \
 *      --backend-port 18091 --samples 2000 --warmup 500 --first-byte-delay-ms 0
 * </pre>
 *
 * See {@code loadtest/ttfb.sh} and docs/tokens.md for how the figures in the documentation were taken.
 */
public final class TtfbBenchmark {

    private TtfbBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String gateway = null;
        int backendPort = 18091;
        int samples = 2000;
        int warmup = 500;
        long delayMs = 0;
        String path = "/v1/messages";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--gateway" -> gateway = args[i + 1];
                case "--backend-port" -> backendPort = Integer.parseInt(args[i + 1]);
                case "--samples" -> samples = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--first-byte-delay-ms" -> delayMs = Long.parseLong(args[i + 1]);
                case "--path" -> path = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (gateway == null) {
            throw new IllegalArgumentException("--gateway URL is required (a gateway forwarding to --backend-port)");
        }
        try (DemoBackend backend = DemoBackend.start(DemoBackendSettings.DEFAULT.withPort(backendPort)
                .withOutputTokens(64).withFirstByteDelay(Duration.ofMillis(delayMs)))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            long[] direct = new long[samples];
            long[] proxied = new long[samples];
            for (int i = -warmup; i < samples; i++) {
                long d = ttfb(http, backend.baseUrl() + path, i);
                long g = ttfb(http, gateway + path, i);
                if (i >= 0) {
                    direct[i] = d;
                    proxied[i] = g;
                }
            }
            long[] overhead = new long[samples];
            for (int i = 0; i < samples; i++) {
                overhead[i] = proxied[i] - direct[i];
            }
            System.out.printf(Locale.ROOT, "TTFB of a streamed %s response, %d samples after %d warm-up, backend "
                    + "first-byte delay %d ms (microseconds)%n", path, samples, warmup, delayMs);
            System.out.println("                 median      p90      p99");
            print("direct", direct);
            print("via gateway", proxied);
            print("difference", overhead);
        }
    }

    private static void print(String name, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%-14s %8d %8d %8d%n", name, s[s.length / 2] / 1000,
                s[(int) (s.length * 0.9)] / 1000, s[(int) (s.length * 0.99)] / 1000);
    }

    /** Nanoseconds from sending the request to reading the first byte of the streamed body. */
    private static long ttfb(HttpClient http, String url, int i) throws IOException, InterruptedException {
        String body = "{\"model\":\"bench\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Benchmark request " + i + ": what is a good name for a cat?\"}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("content-type", "application/json")
                .header("x-account-id", "bench-" + i) // one account per request: no limit interferes
                .header("x-account-tier", "enterprise")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long started = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (in.read() < 0 || response.statusCode() != 200) {
                throw new IOException(url + " answered " + response.statusCode() + " without a body");
            }
            long first = System.nanoTime() - started;
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return first;
        }
    }
}
