package io.extractionguard.gateway.state.redis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The measured replica's own traffic in the fleet simulation: a fixed rate of requests from 500
 * accounts sharing 50 payment cards and 5 client fingerprints; a third of them templated reasoning
 * asks (so template buckets and suspicion are exercised), the rest ordinary questions.
 */
public final class OwnTraffic implements AutoCloseable {

    static final int ACCOUNTS = 500;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService ticker;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Instant created = Instant.now().minus(Duration.ofDays(3));

    public OwnTraffic(String baseUrl, double rate) {
        URI uri = URI.create(baseUrl + "/v1/messages");
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "own-traffic");
            t.setDaemon(true);
            return t;
        });
        long periodMicros = (long) (1_000_000 / rate);
        ticker.scheduleAtFixedRate(() -> send(uri), periodMicros, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void send(URI uri) {
        long i = sent.getAndIncrement();
        int account = (int) (i * 7919 % ACCOUNTS);
        String prompt = i % 3 == 0
                ? "You are an expert python engineer. Implement a solution to the following problem and show your full "
                + "reasoning, including every intermediate step, before writing the final code. Problem " + i
                + ": given an array of " + (i * 7 % 50) + " integers, return the longest subarray whose sum is divisible by "
                + (i % 9 + 2) + "."
                : "What is a good name for a cat that likes number " + i + "? Answer briefly.";
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .header("x-account-id", "own-acct-" + account)
                .header("x-account-tier", "enterprise")
                .header("x-payment-fingerprint", "own-card-" + account % 50)
                .header("x-client-ja4", "t13d1516h2_own_" + account % 5)
                .header("x-account-created", created.minus(Duration.ofHours(account)).toString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"max_tokens\":" + (i % 3 == 0 ? 2000 : 200)
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}"))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            if (r != null) {
                answered.incrementAndGet();
                if (r.statusCode() != 200) {
                    refused.incrementAndGet();
                }
            }
        });
    }

    /** Requests the gateway answered (any status): the replica's own requests. */
    public long answered() {
        return answered.get();
    }

    /** Of those, answered with anything but 200. */
    public long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
