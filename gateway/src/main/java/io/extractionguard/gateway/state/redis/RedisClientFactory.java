package io.extractionguard.gateway.state.redis;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * Builds the Redisson client from {@link RedisStateProperties}: single node, Sentinel or Cluster.
 * The client is lazy (start-up does not need Redis: fail-open replicas start and serve from local
 * state), reads go to masters (Bucket4j's compare-and-swap must read what it swaps), scripts are
 * sent by SHA, and Redisson gives up quickly (one retry) so an outage is noticed within about a
 * second instead of being hidden behind long retries.
 */
public final class RedisClientFactory {

    private RedisClientFactory() {
    }

    public static RedissonClient create(RedisStateProperties p, String clientName) {
        return Redisson.create(config(p, clientName));
    }

    static Config config(RedisStateProperties p, String clientName) {
        Config config = new Config();
        config.setLazyInitialization(true);
        config.setUseScriptCache(true);
        config.setNettyThreads(4);
        config.setThreads(2);
        config.setTcpKeepAlive(true);
        config.setTcpNoDelay(true);
        switch (p.topology()) {
            case SINGLE -> common(config.useSingleServer()
                    .setAddress(p.address())
                    .setDatabase(p.database())
                    .setConnectionMinimumIdleSize(2)
                    .setConnectionPoolSize(16), p, clientName);
            case SENTINEL -> common(config.useSentinelServers()
                    .setMasterName(p.sentinelMaster())
                    .addSentinelAddress(p.nodes().toArray(String[]::new))
                    .setDatabase(p.database())
                    .setReadMode(ReadMode.MASTER)
                    .setCheckSentinelsList(p.nodes().size() > 1), p, clientName);
            case CLUSTER -> common(config.useClusterServers()
                    .addNodeAddress(p.nodes().toArray(String[]::new))
                    .setReadMode(ReadMode.MASTER), p, clientName);
        }
        return config;
    }

    private static void common(BaseConfig<?> server, RedisStateProperties p, String clientName) {
        server.setConnectTimeout((int) p.connectTimeout().toMillis())
                .setTimeout((int) p.timeout().toMillis())
                .setRetryAttempts(1)
                .setClientName(clientName)
                .setPingConnectionInterval(10_000);
        if (!p.username().isEmpty()) {
            server.setUsername(p.username());
        }
        if (!p.password().isEmpty()) {
            server.setPassword(p.password());
        }
    }
}
