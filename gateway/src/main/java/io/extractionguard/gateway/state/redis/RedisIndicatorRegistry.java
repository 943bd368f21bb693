package io.extractionguard.gateway.state.redis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.redisson.api.RMap;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.memory.InMemoryIndicatorRegistry;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.IndicatorIndex;
import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.engine.intel.StixBundles;
import io.extractionguard.gateway.state.StoreUnavailableException;

/**
 * Imported peer indicators shared by every replica through Redis. The hash
 * {@code prefix:indicators} maps indicator id → encoded indicator; an import writes all its
 * indicators, extends the hash's expiry to the latest {@code valid_until} and announces itself on
 * {@code prefix:indicator-events} in one atomic script (an import that would exceed
 * {@value InMemoryIndicatorRegistry#MAX_INDICATORS} indicators writes nothing). Every replica
 * re-reads the hash when announced, at start-up, after each (re)subscription and on recovery, and
 * matches from a local {@link IndicatorIndex}: {@link #index} never leaves memory. Expired
 * indicators are dropped from the local view at their expiry and from the hash at the next re-read.
 */
public final class RedisIndicatorRegistry implements IndicatorRegistry, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisIndicatorRegistry.class);
    private static final CompositeCodec HASH_CODEC = new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE);
    private static final int CODEC_VERSION = 1;

    /**
     * Adds indicators unless the hash would then hold more than the maximum, extends the expiry and
     * announces the import. KEYS[1] hash; ARGV: max, expire-at epoch ms, channel, message, then id /
     * blob pairs. Returns the indicators added (not replaced), or -1 when full.
     */
    static final String PUT_INDICATORS = """
            local added = 0
            for i = 5, #ARGV, 2 do
              if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then added = added + 1 end
            end
            if redis.call('HLEN', KEYS[1]) + added > tonumber(ARGV[1]) then return -1 end
            for i = 5, #ARGV, 2 do
              redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            local pttl = redis.call('PTTL', KEYS[1])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            if pttl < 0 or now + pttl < tonumber(ARGV[2]) then
              redis.call('PEXPIREAT', KEYS[1], ARGV[2])
            end
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return added
            """;

    private final RedissonClient client;
    private final RedisKeys keys;
    private final RedisAvailability availability;
    private final Clock clock;
    private final String replicaId;
    private final Duration timeout;
    private final double templateSimilarity;
    private final ExecutorService sync;
    private final AtomicBoolean reloadQueued = new AtomicBoolean();
    private volatile InMemoryIndicatorRegistry local;
    private volatile RTopic topic;

    RedisIndicatorRegistry(RedissonClient client, RedisKeys keys, RedisAvailability availability, Clock clock,
                           String replicaId, Duration timeout, double templateSimilarity, Duration startupWait) {
        this.client = client;
        this.keys = keys;
        this.availability = availability;
        this.clock = clock;
        this.replicaId = replicaId;
        this.timeout = timeout;
        this.templateSimilarity = templateSimilarity;
        this.local = new InMemoryIndicatorRegistry(templateSimilarity);
        this.sync = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "guard-indicator-sync");
            t.setDaemon(true);
            return t;
        });
        awaitReload(startupWait); // imported indicators apply from the first request
        subscribe();
        availability.onRecovery(() -> {
            subscribe();
            requestReload();
        });
    }

    @Override
    public void put(List<Indicator> indicators, Instant now) {
        List<Indicator> valid = indicators.stream()
                .filter(i -> i.validUntil() == null || now.isBefore(i.validUntil())).toList();
        if (valid.isEmpty()) {
            return;
        }
        if (!availability.available()) {
            throw new StoreUnavailableException("Redis is unreachable (" + availability.lastError()
                    + "): nothing was imported", null);
        }
        long expireAt = valid.stream().mapToLong(i -> (i.validUntil() != null ? i.validUntil()
                : now.plus(StixBundles.DEFAULT_VALIDITY)).toEpochMilli()).max().orElseThrow();
        List<Object> args = new ArrayList<>(4 + 2 * valid.size());
        args.add(bytes(Integer.toString(InMemoryIndicatorRegistry.MAX_INDICATORS)));
        args.add(bytes(Long.toString(expireAt)));
        args.add(bytes(keys.global("indicator-events")));
        args.add(bytes(replicaId));
        for (Indicator i : valid) {
            args.add(bytes(i.id()));
            args.add(encode(i));
        }
        Long added;
        try {
            added = client.getScript(ByteArrayCodec.INSTANCE).<Long>evalAsync(hash(), RScript.Mode.READ_WRITE,
                            PUT_INDICATORS, RScript.ReturnType.LONG, List.of(hash()), args.toArray())
                    .toCompletableFuture().get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS);
            availability.success();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while importing indicators: nothing was imported", e);
        } catch (Exception e) {
            availability.failure(e);
            throw new StoreUnavailableException("could not write the indicators to Redis: nothing was imported", e);
        }
        if (added != null && added < 0) {
            throw new IllegalStateException("the indicator registry would exceed " + InMemoryIndicatorRegistry.MAX_INDICATORS
                    + " indicators: nothing was imported");
        }
        awaitReload(timeout.multipliedBy(4)); // this replica's view reflects the import when put returns
    }

    @Override
    public IndicatorIndex index(Instant now) {
        return local.index(now);
    }

    @Override
    public List<Indicator> all(Instant now) {
        return local.all(now);
    }

    private String hash() {
        return keys.global("indicators");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Queues a re-read unless one is queued already (a queued one reads after the change that asked for it). */
    private void requestReload() {
        if (reloadQueued.compareAndSet(false, true)) {
            try {
                sync.execute(this::reload);
            } catch (RuntimeException e) {
                reloadQueued.set(false); // shut down
            }
        }
    }

    private void awaitReload(Duration wait) {
        Future<?> f = sync.submit(this::reload);
        try {
            f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("indicators not re-read within {} ms; a later re-read applies them", wait.toMillis());
        }
    }

    /** Re-reads the hash and replaces the local view (on the sync thread, so re-reads apply in order). */
    private void reload() {
        reloadQueued.set(false);
        RMap<String, byte[]> map = client.getMap(hash(), HASH_CODEC);
        Map<String, byte[]> all;
        try {
            all = map.readAllMapAsync().toCompletableFuture().get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS);
            availability.success();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            availability.failure(e);
            return;
        }
        Instant now = clock.instant();
        List<Indicator> indicators = new ArrayList<>(all.size());
        List<String> expired = new ArrayList<>();
        all.forEach((id, blob) -> {
            try {
                Indicator i = decode(blob);
                if (i.validUntil() != null && !now.isBefore(i.validUntil())) {
                    expired.add(id);
                } else {
                    indicators.add(i);
                }
            } catch (RuntimeException e) {
                log.warn("skipping an undecodable indicator {}: {}", id, e.getMessage());
            }
        });
        InMemoryIndicatorRegistry fresh = new InMemoryIndicatorRegistry(templateSimilarity);
        fresh.put(indicators, now);
        local = fresh;
        if (!expired.isEmpty()) {
            map.fastRemoveAsync(expired.toArray(String[]::new));
        }
        log.debug("indicators re-read: {} held, {} expired removed", indicators.size(), expired.size());
    }

    private synchronized void subscribe() {
        if (topic != null) {
            return;
        }
        try {
            RTopic t = client.getTopic(keys.global("indicator-events"), StringCodec.INSTANCE);
            RedisTopics.listen(t, String.class, (channel, origin) -> requestReload(), this::requestReload, availability);
            topic = t;
        } catch (RuntimeException e) {
            availability.failure(e);
        }
    }

    static byte[] encode(Indicator i) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + i.value().length());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(CODEC_VERSION);
            out.writeUTF(i.id());
            out.writeUTF(i.kind().name());
            out.writeUTF(i.value());
            out.writeByte(i.confidence());
            out.writeLong(i.validFrom().toEpochMilli());
            out.writeLong(i.validUntil() == null ? Long.MIN_VALUE : i.validUntil().toEpochMilli());
            out.writeUTF(i.source() == null ? "" : i.source());
            out.writeUTF(i.sourceId() == null ? "" : i.sourceId());
            out.writeUTF(i.name() == null ? "" : i.name());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Indicator decode(byte[] blob) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob))) {
            int version = in.readUnsignedByte();
            if (version != CODEC_VERSION) {
                throw new IllegalArgumentException("unsupported indicator encoding version " + version);
            }
            String id = in.readUTF();
            Indicator.Kind kind = Indicator.Kind.valueOf(in.readUTF());
            String value = in.readUTF();
            int confidence = in.readUnsignedByte();
            Instant from = Instant.ofEpochMilli(in.readLong());
            long until = in.readLong();
            String source = in.readUTF();
            String sourceId = in.readUTF();
            String name = in.readUTF();
            return new Indicator(id, kind, value, confidence, from, until == Long.MIN_VALUE ? null : Instant.ofEpochMilli(until),
                    source, sourceId.isEmpty() ? null : sourceId, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        RedisTopics.unsubscribe(topic, "indicator imports");
        sync.shutdownNow();
    }
}
