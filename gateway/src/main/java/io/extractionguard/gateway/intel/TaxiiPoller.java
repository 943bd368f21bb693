package io.extractionguard.gateway.intel;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.engine.intel.StixBundles;
import io.extractionguard.engine.intel.StixImport;
import io.extractionguard.gateway.audit.AuditTrail;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Polls the configured peers' TAXII 2.1 collections and feeds their indicators into detection
 * (the shared {@link IndicatorRegistry}), with the producer the bundle names (else the peer's name)
 * and the peer's confidence rules, within one {@code interval} of the peer adding them: one thread; each
 * peer every half interval ({@link #slot}), and only on the replica that claims the poll
 * ({@link TaxiiPollState}); the indicators are in the shared registry when the poll returns. Pages are
 * followed ({@code next}) until the peer says there is no more, then the watermark moves to the peer's {@code X-TAXII-Date-Added-Last}.
 * A poll that imported anything is audited. The peer's token is never logged.
 */
public final class TaxiiPoller implements SmartLifecycle {

    static final String TAXII = "application/taxii+json;version=2.1";
    private static final Logger log = LoggerFactory.getLogger(TaxiiPoller.class);
    /** Pages per poll at most (a peer that always says "more" cannot hold the thread). */
    static final int MAX_PAGES = 100;

    private final List<TaxiiProperties.Peer> peers;
    private final TaxiiPollState state;
    private final IndicatorRegistry registry;
    private final AuditTrail audit;
    private final JsonMapper json;
    private final Clock clock;
    private final MeterRegistry meters;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private ScheduledExecutorService scheduler;

    public TaxiiPoller(List<TaxiiProperties.Peer> peers, TaxiiPollState state, IndicatorRegistry registry, AuditTrail audit,
                       JsonMapper json, Clock clock, MeterRegistry meters) {
        this.peers = List.copyOf(peers);
        this.state = state;
        this.registry = registry;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.meters = meters;
    }

    @Override
    public synchronized void start() {
        if (peers.isEmpty() || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-taxii-poll");
            t.setDaemon(true);
            return t;
        });
        for (TaxiiProperties.Peer p : peers) {
            log.info("polling TAXII peer {} every {} (what it adds is applied here within {})", p.name(),
                    slot(p), p.interval());
            scheduler.scheduleAtFixedRate(() -> poll(p), 0, slot(p).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * How often the fleet polls {@code peer}: half its interval. Every replica ticks at this fixed rate
     * and claims a slot shorter than it, so consecutive polls start at most one slot apart, and an object
     * the peer holds at time t is applied here by t + slot + one poll — within the interval while a
     * poll takes less than half of it. (The peer's collection is read on demand, so it adds no wait.)
     */
    static Duration slot(TaxiiProperties.Peer peer) {
        return peer.interval().dividedBy(2);
    }

    /** One poll of {@code peer} if this replica claims it; never throws. */
    void poll(TaxiiProperties.Peer peer) {
        try {
            if (!state.claim(peer.name(), slot(peer))) {
                return;
            }
            Outcome o = fetch(peer);
            meters.counter("guard.taxii.polls", "peer", peer.name(), "outcome", "ok").increment();
            if (o.indicators > 0) {
                meters.counter("guard.taxii.indicators", "peer", peer.name()).increment(o.indicators);
                log.info("TAXII peer {}: {} objects, {} indicators taken, {} not used, {} invalid", peer.name(), o.objects,
                        o.indicators, o.notUsed, o.invalid);
            }
        } catch (Exception e) {
            meters.counter("guard.taxii.polls", "peer", peer.name(), "outcome", "failed").increment();
            log.warn("TAXII peer {}: poll failed: {}", peer.name(), e.getMessage());
        }
    }

    private record Outcome(int objects, int indicators, int notUsed, int invalid) {
    }

    private Outcome fetch(TaxiiProperties.Peer peer) throws IOException, InterruptedException {
        String watermark = state.watermark(peer.name()).orElse(null);
        String next = null;
        String last = null;
        int objects = 0;
        int indicators = 0;
        int notUsed = 0;
        int invalid = 0;
        StixImport.Options options = new StixImport.Options(peer.name(), peer.defaultConfidence(), peer.maxConfidence());
        // producers are identities the peer may have added long before the indicators now read: fetch them
        // with every poll, so provenance does not depend on where a page starts
        JsonNode identities = get(peer, "limit=1000&match%5Btype%5D=identity").envelope().path("objects");
        for (int page = 0; page < MAX_PAGES; page++) {
            StringBuilder query = new StringBuilder("limit=").append(peer.pageSize());
            if (watermark != null) {
                query.append("&added_after=").append(URLEncoder.encode(watermark, StandardCharsets.UTF_8));
            }
            if (next != null) {
                query.append("&next=").append(URLEncoder.encode(next, StandardCharsets.UTF_8));
            }
            Page resp = get(peer, query.toString());
            JsonNode envelope = resp.envelope();
            JsonNode items = envelope.path("objects");
            if (items.isArray() && !items.isEmpty()) {
                ObjectNode bundle = json.createObjectNode().put("type", "bundle").put("id", "bundle--" + UUID.randomUUID());
                tools.jackson.databind.node.ArrayNode all = bundle.putArray("objects");
                items.forEach(all::add);
                identities.forEach(i -> {
                    if (!contains(items, i.path("id").asString(""))) {
                        all.add(i);
                    }
                });
                Instant now = clock.instant();
                StixImport.Result r = StixImport.parse(json.writeValueAsBytes(bundle), options, now);
                if (!r.indicators().isEmpty()) {
                    ObjectNode record = json.createObjectNode().put("actor", "taxii-poller").put("action", "taxii-import")
                            .put("peer", peer.name()).put("indicators", r.indicators().size())
                            .put("notUsed", r.notUsed().size()).put("invalid", r.invalidCount());
                    audit.record("operator", json.writeValueAsString(record));
                    registry.put(r.indicators(), now);
                }
                objects += items.size();
                indicators += r.indicators().size();
                notUsed += r.notUsed().size();
                invalid += r.invalidCount();
            }
            last = resp.dateAddedLast() != null ? resp.dateAddedLast() : last;
            next = envelope.path("next").asString(null);
            if (!envelope.path("more").asBoolean(false) || next == null) {
                break;
            }
        }
        if (last != null && TaxiiTime.parse(last).isPresent()) {
            state.advance(peer.name(), last);
        }
        return new Outcome(objects, indicators, notUsed, invalid);
    }

    private record Page(JsonNode envelope, String dateAddedLast) {
    }

    private Page get(TaxiiProperties.Peer peer, String query) throws IOException, InterruptedException {
        URI uri = peer.collection().resolve("objects/?" + query);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Accept", TAXII).GET();
        if (!peer.token().isEmpty()) {
            req.header("Authorization", "Bearer " + peer.token());
        }
        HttpResponse<byte[]> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new IOException("HTTP " + resp.statusCode() + " from " + uri.getHost() + ":" + uri.getPort() + uri.getPath());
        }
        if (resp.body().length > StixBundles.MAX_BUNDLE_BYTES) {
            throw new IOException("page larger than " + StixBundles.MAX_BUNDLE_BYTES + " bytes");
        }
        return new Page(json.readTree(resp.body()), resp.headers().firstValue("X-TAXII-Date-Added-Last").orElse(null));
    }

    private static boolean contains(JsonNode items, String id) {
        for (JsonNode i : items) {
            if (i.path("id").asString("").equals(id)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
