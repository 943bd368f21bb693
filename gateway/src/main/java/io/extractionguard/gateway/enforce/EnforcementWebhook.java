package io.extractionguard.gateway.enforce;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Posts enforcement events (a sanction imposed or released, an account penalised) as one JSON line
 * each ({@code application/x-ndjson}) to {@code guard.enforcement.webhook-url}, signed
 * ({@link HmacSignature}) when a key is set. Asynchronous and best effort: a failure is counted
 * ({@code guard.enforcement.webhook{outcome}}) and logged (host only); the export endpoint holds
 * the full list for reconciliation.
 */
public final class EnforcementWebhook {

    private static final Logger log = LoggerFactory.getLogger(EnforcementWebhook.class);

    private final URI url;
    private final byte[] key;
    private final Clock clock;
    private final MeterRegistry meters;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public EnforcementWebhook(EnforcementProperties props, Clock clock, MeterRegistry meters) {
        this.url = props.webhookUrl().isBlank() ? null : URI.create(props.webhookUrl());
        this.key = props.webhookKey().getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
        this.meters = meters;
    }

    public void send(String jsonLine) {
        if (url == null) {
            return;
        }
        byte[] body = (jsonLine + "\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key.length > 0) {
            req.header(HmacSignature.HEADER, HmacSignature.sign(key, clock.instant().getEpochSecond(), body));
        }
        http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((resp, e) -> {
            boolean ok = e == null && resp.statusCode() / 100 == 2;
            meters.counter("guard.enforcement.webhook", "outcome", ok ? "sent" : "failed").increment();
            if (!ok) {
                log.warn("enforcement webhook to {} failed: {}", url.getHost(),
                        e != null ? e.getClass().getSimpleName() : "HTTP " + resp.statusCode());
            }
        });
    }
}
