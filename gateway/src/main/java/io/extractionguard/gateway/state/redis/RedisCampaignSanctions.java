package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.spi.CampaignSanctions;
import io.extractionguard.engine.memory.InMemoryCampaignSanctions;
import io.extractionguard.gateway.enforce.SanctionJson;
import io.extractionguard.gateway.state.StoreUnavailableException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Campaign sanctions shared by the fleet: {@code prefix:sanctions} maps id → sanction (JSON), and
 * {@code prefix:sanction-reached:<id>} account id → penalised entry (one field per account, so
 * replicas reaching accounts at once never overwrite each other). Every replica re-reads both every
 * {@code refresh} into a local copy that the request path matches against ({@link #match} never
 * leaves memory); an account reached here is recorded locally at once and written behind.
 */
public final class RedisCampaignSanctions implements CampaignSanctions, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisCampaignSanctions.class);

    private final RedissonClient client;
    private final RedisKeys keys;
    private final JsonMapper json;
    private final long timeoutMillis;
    private final ScheduledExecutorService sync;
    private volatile InMemoryCampaignSanctions local = new InMemoryCampaignSanctions();

    public RedisCampaignSanctions(RedissonClient client, RedisKeys keys, JsonMapper json, Duration timeout, Duration refresh) {
        this.client = client;
        this.keys = keys;
        this.json = json;
        this.timeoutMillis = timeout.toMillis() * 4;
        this.sync = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guard-sanction-sync");
            t.setDaemon(true);
            return t;
        });
        sync.scheduleWithFixedDelay(this::reload, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    private RMap<String, String> sanctions() {
        return client.getMap(keys.global("sanctions"), StringCodec.INSTANCE);
    }

    private RMap<String, String> reachedBy(String id) {
        return client.getMap(keys.global("sanction-reached:" + id), StringCodec.INSTANCE);
    }

    @Override
    public void put(CampaignSanction sanction) {
        write(sanction);
        local.put(sanction);
    }

    private void write(CampaignSanction s) {
        try {
            sanctions().fastPutAsync(s.id(), json.writeValueAsString(SanctionJson.write(json, s, true)))
                    .toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while storing the sanction", e);
        } catch (Exception e) {
            throw new StoreUnavailableException("could not store the sanction in Redis", e);
        }
    }

    @Override
    public void reached(String id, CampaignSanction.Penalised penalised, long accountHash) {
        local.reached(id, penalised, accountHash);
        String entry = json.writeValueAsString(SanctionJson.penalised(json, penalised).put("hash", accountHash & Long.MAX_VALUE));
        reachedBy(id).fastPutIfAbsentAsync(penalised.accountId(), entry); // written behind: never on the request path
    }

    @Override
    public Optional<CampaignSanction> release(String id, Instant at) {
        reload();
        Optional<CampaignSanction> s = local.all().stream().filter(x -> x.id().equals(id)).findFirst();
        if (s.isEmpty()) {
            return s;
        }
        CampaignSanction released = s.get().released() == null ? s.get().releasedAt(at) : s.get();
        CampaignSanction stored = new CampaignSanction(released.id(), released.action(), released.reason(),
                released.operator(), released.created(), released.expiresAt(), released.members(), released.linking(),
                List.of(), released.released());
        write(stored);
        local.put(released);
        return Optional.of(released);
    }

    @Override
    public List<CampaignSanction> all() {
        return local.all();
    }

    /** Re-reads every sanction and the accounts each reached; replaces the local copy. */
    private synchronized void reload() {
        try {
            Map<String, String> all = sanctions().readAllMapAsync().toCompletableFuture()
                    .get(timeoutMillis, TimeUnit.MILLISECONDS);
            InMemoryCampaignSanctions fresh = new InMemoryCampaignSanctions();
            for (String blob : all.values()) {
                CampaignSanction s = SanctionJson.read(json.readTree(blob));
                fresh.put(s);
                Map<String, String> reached = reachedBy(s.id()).readAllMapAsync().toCompletableFuture()
                        .get(timeoutMillis, TimeUnit.MILLISECONDS);
                List<String> entries = new ArrayList<>(reached.values());
                for (String e : entries) {
                    var n = json.readTree(e);
                    fresh.reached(s.id(), SanctionJson.readPenalised(n), n.path("hash").asLong());
                }
            }
            // accounts reached here but not yet written back stay
            for (CampaignSanction mine : local.all()) {
                for (CampaignSanction.Penalised p : mine.penalised()) {
                    fresh.reached(mine.id(), p, io.extractionguard.engine.campaign.Indicators.accountHash(p.accountId()));
                }
            }
            local = fresh;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("sanctions not re-read: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        sync.shutdownNow();
    }
}
