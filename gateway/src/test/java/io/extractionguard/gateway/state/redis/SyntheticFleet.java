package io.extractionguard.gateway.state.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.redisson.api.RedissonClient;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.campaign.RequestIndicators;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The rest of a gateway fleet, for the fleet simulation: synthetic requests (accounts, templates,
 * payment cards, client fingerprints, networks, creation windows drawn from fixed pools) fed at a
 * fixed rate through the replicas' own campaign writer ({@link RedisCampaignStore}: the same code and
 * wire format a real replica writes), flushed to Redis once a second. It never reads what others
 * write: it only loads Redis and the replica under measurement.
 */
public final class SyntheticFleet implements AutoCloseable {

    static final int ACCOUNTS = 200_000;
    static final int TEMPLATES = 2_000;
    static final int CARDS = 20_000;
    static final int CLIENTS = 100;
    static final int NETWORKS = 10_000;
    static final int CREATED = 1_000;

    private final RedisCampaignStore writer;
    private final ScheduledExecutorService threads;
    private final long[] accounts = new long[ACCOUNTS];
    private final long[][] templateKeys = new long[TEMPLATES][];
    private final byte[][] sketches = new byte[TEMPLATES][];
    private final SplittableRandom rng;
    private final AtomicLong requests = new AtomicLong();
    private double due;

    /**
     * Starts writing {@code rate} synthetic requests per second as replica {@code replica}.
     *
     * @param seed the pools and the draws; the same seed writes the same traffic
     */
    public SyntheticFleet(RedissonClient client, RedisKeys keys, String replica, double rate, long seed) {
        this.rng = new SplittableRandom(seed);
        for (int i = 0; i < ACCOUNTS; i++) {
            accounts[i] = Indicators.accountHash("fleet-acct-" + seed + "-" + i);
        }
        SplittableRandom pools = new SplittableRandom(seed ^ 0x5EED);
        for (int t = 0; t < TEMPLATES; t++) {
            templateKeys[t] = new long[Indicators.BANDS];
            for (int b = 0; b < Indicators.BANDS; b++) {
                templateKeys[t][b] = pools.nextLong() | 1;
            }
            sketches[t] = new byte[32];
            for (int j = 0; j < sketches[t].length; j++) {
                sketches[t][j] = (byte) pools.nextInt();
            }
        }
        this.writer = writer(client, keys, replica);
        this.threads = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "synthetic-fleet");
            t.setDaemon(true);
            return t;
        });
        long tickMillis = 10;
        double perTick = rate * tickMillis / 1000.0;
        threads.scheduleAtFixedRate(() -> {
            due += perTick;
            long now = System.currentTimeMillis();
            while (due >= 1) {
                due--;
                request(now);
            }
        }, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        threads.scheduleWithFixedDelay(writer::flush, 1, 1, TimeUnit.SECONDS);
    }

    /** The writer the fleet's replicas run (never started: no tailing, the flushes are driven here). */
    private static RedisCampaignStore writer(RedissonClient client, RedisKeys keys, String replica) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisAvailability availability = new RedisAvailability(client, keys, Clock.systemUTC(), Duration.ofMillis(500),
                meters);
        return new RedisCampaignStore(new InMemoryCampaignStore(Clock.systemUTC(),
                new InMemoryCampaignStore.Settings(50_000, 50_000, 50_000, Duration.ofHours(1))), client, keys,
                availability, replica, new RedisStateProperties.Campaign(Duration.ofSeconds(1), 1_000_000,
                Duration.ofHours(1), 16, 64), Duration.ofSeconds(2), Duration.ofHours(1), Clock.systemUTC(), meters);
    }

    private void request(long now) {
        requests.incrementAndGet();
        long account = accounts[rng.nextInt(ACCOUNTS)];
        double content = 0;
        if (rng.nextDouble() < 0.3) {
            int t = rng.nextInt(TEMPLATES);
            content = 0.5;
            writer.observeTemplates(account, templateKeys[t], sketches[t], 0.5, content, 0.2, now);
        }
        long client = mix(IndicatorKind.CLIENT, rng.nextInt(CLIENTS));
        long network = mix(IndicatorKind.NETWORK, rng.nextInt(NETWORKS));
        writer.observeAccount(account, new AccountObservation(now, 0, content, client, network,
                RequestIndicators.Conversation.NONE), new AccountRules(2, 0.2, 5));
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = mix(IndicatorKind.PAYMENT, rng.nextInt(CARDS));
        values[IndicatorKind.CLIENT.ordinal()] = client;
        values[IndicatorKind.NETWORK.ordinal()] = network;
        values[IndicatorKind.CREATED.ordinal()] = mix(IndicatorKind.CREATED, rng.nextInt(CREATED));
        writer.observeIndicators(account, values, rng.nextDouble() * 0.2, 3_600_000, now);
    }

    private static long mix(IndicatorKind kind, int i) {
        long h = (kind.ordinal() + 1L) * 0x9E3779B97F4A7C15L ^ (i * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 31;
        return h == 0 ? 1 : h;
    }

    /** Synthetic requests written so far. */
    public long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.flush();
    }
}
