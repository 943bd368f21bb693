package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.intel.CampaignEvidence;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.StixBundles;
import io.extractionguard.engine.spi.EvidenceFleet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The fleet's campaign evidence (what indicator exports are made of) in one Redis hash, so every
 * replica exports the same. Each entry a replica records is merged into
 * {@code {prefix}:{campaign-evidence}} (field {@code KIND:value}, value
 * {@code firstSeenMillis,lastSeenMillis,strength,sightings}; the earliest first sight, the latest last
 * sight, the strongest evidence, the sightings added) once a {@code flush} interval, in one script;
 * then, when the hash's version moved, the hash is read whole and rebuilt into a fresh
 * {@link CampaignEvidence} in field order, so two replicas holding the same hash hold the same
 * snapshot. Exports read that snapshot from memory; the request path only adds to a map.
 *
 * <p>Entries not seen for {@link CampaignEvidence#HORIZON} are dropped from the hash at the rebuild.
 * While Redis is unreachable recordings wait (merged, at most {@value #MAX_PENDING} entries) and the
 * last snapshot is exported.
 */
public final class RedisCampaignEvidence implements EvidenceFleet, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCampaignEvidence.class);
    static final int MAX_PENDING = 10_000;

    /**
     * Merges entries into the hash and bumps the version. KEYS[1] hash, KEYS[2] version; ARGV: groups of
     * field, first seen ms, last seen ms, strength, sightings. Returns the new version.
     */
    static final String MERGE = """
            for i = 1, #ARGV, 5 do
              local first, last = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
              local strength, seen = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
              local old = redis.call('HGET', KEYS[1], ARGV[i])
              if old then
                local a, b, c, d = string.match(old, '^([^,]+),([^,]+),([^,]+),([^,]+)$')
                if a then
                  first = math.min(first, tonumber(a))
                  last = math.max(last, tonumber(b))
                  strength = math.max(strength, tonumber(c))
                  seen = seen + tonumber(d)
                end
              end
              redis.call('HSET', KEYS[1], ARGV[i], string.format('%d,%d,%s,%d', first, last, tostring(strength), seen))
            end
            return redis.call('INCR', KEYS[2])
            """;

    /** One field's recordings not yet merged into Redis. */
    private record Pending(long first, long last, double strength, long sightings) {
        Pending plus(Pending o) {
            return new Pending(Math.min(first, o.first), Math.max(last, o.last), Math.max(strength, o.strength),
                    sightings + o.sightings);
        }

        /** As the hash holds it (see {@link #MERGE}). */
        String format() {
            return first + "," + last + "," + strength + "," + sightings;
        }
    }

    private static Pending parse(String value) {
        String[] p = value.split(",");
        return new Pending(Long.parseLong(p[0]), Long.parseLong(p[1]), Double.parseDouble(p[2]), Long.parseLong(p[3]));
    }

    private final RedissonClient client;
    private final String hash;
    private final String version;
    private final long timeoutMillis;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private final Counter dropped;
    /** The hash as last read (field order), and the evidence rebuilt from it. */
    private volatile TreeMap<String, String> shared = new TreeMap<>();
    private volatile CampaignEvidence snapshot = new CampaignEvidence();
    private long seenVersion = -1;

    public RedisCampaignEvidence(RedissonClient client, RedisKeys keys, Duration flush, Duration timeout, MeterRegistry meters) {
        this.client = client;
        this.hash = keys.global("{campaign-evidence}");
        this.version = keys.global("{campaign-evidence}:version");
        this.timeoutMillis = timeout.toMillis();
        this.dropped = Counter.builder("guard.campaign.evidence.dropped")
                .description("Campaign evidence recordings not shared with the fleet (pending map full)").register(meters);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-campaign-evidence");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::sync, 0, flush.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void recorded(Indicator.Kind kind, String value, byte[] sketch, double strength, Instant at) {
        String field = kind.name() + ":" + (value != null ? value : StixBundles.sketchText(sketch));
        if (pending.size() >= MAX_PENDING && !pending.containsKey(field)) {
            dropped.increment();
            return;
        }
        long ms = at.toEpochMilli();
        pending.merge(field, new Pending(ms, ms, strength, 1), Pending::plus);
    }

    /**
     * The fleet's evidence as last read, plus what this replica recorded since and has not shared yet
     * (so an export right after a campaign already holds it; the other replicas have it within about
     * two flush intervals). Rebuilt only while something is pending.
     */
    @Override
    public CampaignEvidence snapshot() {
        if (pending.isEmpty()) {
            return snapshot;
        }
        TreeMap<String, String> merged = new TreeMap<>(shared);
        pending.forEach((field, p) -> merged.merge(field, p.format(), (a, b) -> parse(a).plus(parse(b)).format()));
        return rebuild(merged, Instant.now(), stale -> {
        });
    }

    /** Merges what was recorded here, then rebuilds the snapshot if the fleet's hash changed. */
    void sync() {
        try {
            flush();
            refresh();
        } catch (Exception e) {
            log.debug("campaign evidence not synchronised with Redis: {}", e.getMessage());
        }
    }

    private void flush() throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, Pending> batch = new TreeMap<>();
        for (String field : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(field);
            if (p != null) {
                batch.put(field, p);
            }
        }
        List<Object> args = new ArrayList<>(batch.size() * 5);
        batch.forEach((field, p) -> {
            args.add(field);
            String[] parts = p.format().split(",");
            args.addAll(List.of((Object[]) parts));
        });
        try {
            client.getScript(StringCodec.INSTANCE).<Long>evalAsync(hash, RScript.Mode.READ_WRITE, MERGE,
                    RScript.ReturnType.LONG, List.<Object>of(hash, version), args.toArray())
                    .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            batch.forEach((field, p) -> pending.merge(field, p, Pending::plus)); // tried again at the next flush
            throw e;
        }
    }

    private void refresh() throws Exception {
        String current = client.<String>getBucket(version, StringCodec.INSTANCE).getAsync().toCompletableFuture()
                .get(timeoutMillis, TimeUnit.MILLISECONDS);
        long v = current == null ? 0 : Long.parseLong(current);
        if (v == seenVersion) {
            return;
        }
        Map<String, String> all = client.<String, String>getMap(hash, StringCodec.INSTANCE).readAllMapAsync()
                .toCompletableFuture().get(timeoutMillis * 4, TimeUnit.MILLISECONDS);
        TreeMap<String, String> read = new TreeMap<>(all);
        snapshot = rebuild(read, Instant.now(), stale -> client.getMap(hash, StringCodec.INSTANCE)
                .fastRemoveAsync(stale.toArray()));
        shared = read;
        seenVersion = v;
    }

    /** The evidence of the hash's entries, merged in field order; entries past the horizon go to {@code drop}. */
    static CampaignEvidence rebuild(TreeMap<String, String> entries, Instant now,
                                    java.util.function.Consumer<List<String>> drop) {
        CampaignEvidence evidence = new CampaignEvidence();
        List<String> stale = new ArrayList<>();
        long horizon = now.minus(CampaignEvidence.HORIZON).toEpochMilli();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            int colon = e.getKey().indexOf(':');
            String[] parts = e.getValue().split(",");
            if (colon < 0 || parts.length != 4) {
                stale.add(e.getKey());
                continue;
            }
            try {
                Indicator.Kind kind = Indicator.Kind.valueOf(e.getKey().substring(0, colon));
                String value = e.getKey().substring(colon + 1);
                long last = Long.parseLong(parts[1]);
                if (last < horizon) {
                    stale.add(e.getKey());
                    continue;
                }
                boolean template = kind == Indicator.Kind.PROMPT_TEMPLATE;
                byte[] sketch = template ? PromptSketch.fromText(value).orElse(null) : null;
                if (template && sketch == null) {
                    if (PromptSketch.textVersion(value) < 0) {
                        stale.add(e.getKey());
                    } // else another sketch version's (a replica of another build): never compared, left to age out
                    continue;
                }
                evidence.merge(kind, template ? null : value, sketch,
                        Instant.ofEpochMilli(Long.parseLong(parts[0])), Instant.ofEpochMilli(last),
                        Double.parseDouble(parts[2]), Long.parseLong(parts[3]));
            } catch (IllegalArgumentException ex) {
                stale.add(e.getKey()); // not ours: an entry of another version, or damaged
            }
        }
        if (!stale.isEmpty()) {
            drop.accept(stale);
        }
        return evidence;
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sync(); // what this replica recorded last reaches the fleet
    }
}
