package io.extractionguard.gateway.state.redis;

import java.time.Duration;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.spi.RateLimiter;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.gateway.config.GuardConfiguration;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Shared state on Redis, active with {@code guard.state.store=redis} (profile {@code redis}). Replaces
 * the in-memory {@link StateStore}, {@link RateLimiter}, {@link io.extractionguard.engine.spi.TokenLimiter},
 * {@link CampaignStore}, challenge ledger and indicator registry of the embedded default. Correlation stays
 * {@code SINGLE_NODE}: each replica correlates the values its own traffic touches (see {@link RedisCampaignStore}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "guard.state.store", havingValue = "redis")
public class RedisStateConfiguration {

    @Bean(destroyMethod = "close")
    RedisState redisState(RedisStateProperties props, GuardProperties guard, Clock clock, MeterRegistry meters) {
        return new RedisState(props, guard.state().idleExpiry(), clock, meters);
    }

    @Bean(destroyMethod = "")
    RedisStateStore redisStateStore(RedisState state) {
        return state.store();
    }

    @Bean(destroyMethod = "")
    LeasedRateLimiter leasedRateLimiter(RedisState state) {
        return state.limiter();
    }

    /** Token budgets shared by the fleet (replaces the per-replica {@code LocalTokenLimiter}). */
    @Bean(destroyMethod = "")
    LeasedTokenLimiter leasedTokenLimiter(RedisState state) {
        return state.tokens();
    }

    /** Nonces and proof-of-work passes shared by the fleet (replaces the in-memory ledger). */
    @Bean(destroyMethod = "close")
    RedisChallengeLedger redisChallengeLedger(RedisState state, RedisStateProperties props, Clock clock,
                                              MeterRegistry meters) {
        return new RedisChallengeLedger(state.client(), state.keys(), state.availability(), clock, state.replica().value(),
                props.timeout(), meters);
    }

    /** Evaluated OpenAI batch files shared by the fleet (replaces the in-memory ledger). */
    @Bean
    RedisEvaluatedFiles redisEvaluatedFiles(RedisState state, Clock clock) {
        return new RedisEvaluatedFiles(state.client(), state.keys(), GuardConfiguration.EVALUATED_FILE_RETENTION,
                new io.extractionguard.engine.memory.InMemoryEvaluatedFiles(clock,
                        GuardConfiguration.EVALUATED_FILE_RETENTION, 100_000));
    }

    /** Imported peer indicators shared by the fleet (replaces the in-memory registry). */
    @Bean(destroyMethod = "close")
    RedisIndicatorRegistry redisIndicatorRegistry(RedisState state, RedisStateProperties props, Clock clock) {
        return new RedisIndicatorRegistry(state.client(), state.keys(), state.availability(), clock, state.replica().value(),
                props.timeout(), GuardConfiguration.PEER_TEMPLATE_SIMILARITY, props.connectTimeout().plus(props.timeout()));
    }

    /** Campaign-wide sanctions shared by the fleet. */
    @Bean(destroyMethod = "close")
    RedisCampaignSanctions redisCampaignSanctions(RedisState state, RedisStateProperties props,
                                                  tools.jackson.databind.json.JsonMapper json) {
        return new RedisCampaignSanctions(state.client(), state.keys(), json, props.timeout(), Duration.ofSeconds(1));
    }

    /** TAXII watermarks and the per-peer poll slot, shared by the fleet. */
    @Bean
    RedisTaxiiPollState redisTaxiiPollState(RedisState state, RedisStateProperties props) {
        return new RedisTaxiiPollState(state.client(), state.keys(), state.replica().value(), props.timeout());
    }

    /** Campaign evidence shared by the fleet: every replica's indicator export reads the same. */
    @Bean(destroyMethod = "close")
    RedisCampaignEvidence redisCampaignEvidence(RedisState state, RedisStateProperties props, MeterRegistry meters) {
        return new RedisCampaignEvidence(state.client(), state.keys(), props.campaign().flushInterval(), props.timeout(),
                meters);
    }

    /**
     * The fleet's recently decided accounts, so campaign listings name the same accounts on every replica;
     * published every 10 s (or {@code campaign.flush-interval} if longer): each pass walks every account this
     * replica decided in the last hour, which per second cost ~1% of a busy replica's CPU, for listings that
     * show this replica's own names at once anyway.
     */
    @Bean(destroyMethod = "close")
    RedisAccountNames redisAccountNames(RedisState state, RedisStateProperties props, RecentDecisions recent, Clock clock) {
        Duration publish = props.campaign().flushInterval().compareTo(Duration.ofSeconds(10)) > 0
                ? props.campaign().flushInterval() : Duration.ofSeconds(10);
        return new RedisAccountNames(state.client(), state.keys(), recent, clock, publish,
                props.timeout());
    }

    /** Signed audit checkpoints of every replica, where no replica's disk can take them back. */
    @Bean
    RedisAuditCheckpoints redisAuditCheckpoints(RedisState state, RedisStateProperties props) {
        return new RedisAuditCheckpoints(state.client(), state.keys(), props.timeout());
    }

    /** Also the {@link io.extractionguard.gateway.state.StoreAvailability} the filter's outage gate reads. */
    @Bean
    RedisAvailability redisAvailability(RedisState state) {
        return state.availability();
    }

    @Bean
    RedisStateHealthIndicator sharedStateHealthIndicator(RedisState state) {
        return new RedisStateHealthIndicator(state.availability(), state.store());
    }

    /**
     * Campaign evidence partitioned in Redis by value, template bucket and account; each replica merges and
     * reads back the keys its own traffic touches. Closed before {@link RedisState} (it depends on it), so
     * what it holds is sent first.
     */
    @Bean(destroyMethod = "close")
    RedisCampaignStore redisCampaignStore(RedisState state, RedisStateProperties props, GuardProperties guard,
                                          Clock clock, MeterRegistry meters) {
        InMemoryCampaignStore local = new InMemoryCampaignStore(clock, guard.campaign().storeSettings());
        RedisCampaignStore store = new RedisCampaignStore(local, state.client(), state.keys(), state.availability(),
                state.replica().value(), props.campaign(), props.timeout(), guard.campaign().idleExpiry(), clock, meters);
        store.start();
        return store;
    }
}
