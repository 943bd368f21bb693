package io.extractionguard.gateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;


import io.extractionguard.engine.challenge.ProofOfWork;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.identity.Cidr;
import io.extractionguard.engine.decision.IdentityResolver;
import io.extractionguard.engine.decision.Intake;
import io.extractionguard.engine.memory.InMemoryCampaignSanctions;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryChallengeLedger;
import io.extractionguard.engine.memory.InMemoryEvaluatedFiles;
import io.extractionguard.engine.memory.InMemoryHistoryLedger;
import io.extractionguard.engine.memory.InMemoryIndicatorRegistry;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.memory.LocalTokenLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyException;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.spi.CampaignSanctions;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.spi.CorrelationLeadership;
import io.extractionguard.engine.spi.EvaluatedFiles;
import io.extractionguard.engine.spi.EvidenceFleet;
import io.extractionguard.engine.spi.HistoryLedger;
import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.engine.spi.RateLimiter;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.spi.TokenLimiter;
import io.extractionguard.gateway.audit.AuditCheckpoints;
import io.extractionguard.gateway.audit.RecentAuditCheckpoints;
import io.extractionguard.gateway.campaign.CampaignCorrelationRunner;
import io.extractionguard.gateway.enforce.EnforcementProperties;
import io.extractionguard.gateway.enforce.EnforcementWebhook;
import io.extractionguard.gateway.enforce.NotifyingCampaignSanctions;
import io.extractionguard.gateway.observe.AccountNames;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.micrometer.core.instrument.MeterRegistry;

/** Translates {@link GuardProperties} into the engine's objects. */
@Configuration(proxyBeanMethods = false)
public class GuardConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GuardConfiguration.class);
    static final String DEFAULT_POLICY = "config/policies/default.yaml";
    static final String BUNDLED_POLICY = "/policies/default.yaml";

    @Bean
    Clock guardClock() {
        return Clock.systemUTC();
    }

    @Bean
    PolicyHolder policyHolder(GuardProperties properties) throws IOException {
        return new PolicyHolder(loadInitialPolicy(properties.policy().path()));
    }

    /** In-memory state unless {@code guard.state.store=redis} (see state.redis.RedisStateConfiguration). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    StateStore stateStore(GuardProperties properties, Clock clock) {
        return new InMemoryStateStore(clock,
                new InMemoryStateStore.Settings(properties.state().maxAccounts(), properties.state().idleExpiry()));
    }

    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    RateLimiter rateLimiter(Clock clock) {
        return new LocalRateLimiter(clock);
    }

    /** In-memory token budgets; a fleet sharing state replaces this bean with a shared implementation. */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    TokenLimiter tokenLimiter(Clock clock) {
        return new LocalTokenLimiter(clock);
    }

    /** Evaluated OpenAI batch files in memory unless {@code guard.state.store=redis} (state.redis.RedisEvaluatedFiles). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    EvaluatedFiles evaluatedFiles(Clock clock) {
        return new InMemoryEvaluatedFiles(clock, EVALUATED_FILE_RETENTION, 1_000_000);
    }

    /** How long an evaluated batch file can start a batch: OpenAI keeps batch input files until deleted. */
    public static final java.time.Duration EVALUATED_FILE_RETENTION = java.time.Duration.ofDays(30);

    /** In-memory challenge ledger unless {@code guard.state.store=redis} (state.redis.RedisChallengeLedger). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    ChallengeLedger challengeLedger(Clock clock) {
        return new InMemoryChallengeLedger(clock);
    }

    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    AuditCheckpoints auditCheckpoints() {
        return new RecentAuditCheckpoints();
    }

    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    AccountNames accountNames(RecentDecisions recent) {
        return AccountNames.of(recent);
    }

    @Bean
    ProofOfWork proofOfWork(GuardProperties properties) {
        String key = properties.challenge().hmacKey();
        if (key.isEmpty()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            log.warn("guard.challenge.hmac-key is not set: using a random key, so a proof-of-work challenge verifies only "
                    + "on the replica that issued it and not after a restart. Set GUARD_CHALLENGE_HMAC_KEY.");
            return new ProofOfWork(random);
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32) {
            throw new IllegalArgumentException("guard.challenge.hmac-key must be at least 32 bytes");
        }
        return new ProofOfWork(bytes);
    }

    /** In-memory campaign state unless {@code guard.state.store=redis} (then shared: state.redis.RedisCampaignStore). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    CampaignStore campaignStore(GuardProperties properties, Clock clock) {
        return new InMemoryCampaignStore(clock, properties.campaign().storeSettings());
    }

    /** Every replica correlates the values its own traffic touches (with Redis, against the fleet's shared samples). */
    @Bean
    CorrelationLeadership correlationLeadership() {
        return CorrelationLeadership.SINGLE_NODE;
    }

    /** In-memory campaign sanctions unless {@code guard.state.store=redis} (state.redis.RedisCampaignSanctions). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    CampaignSanctions campaignSanctions() {
        return new InMemoryCampaignSanctions();
    }

    @Bean
    EnforcementWebhook enforcementWebhook(EnforcementProperties props, Clock clock, MeterRegistry meters) {
        return new EnforcementWebhook(props, clock, meters);
    }

    /** In-memory peer indicators unless {@code guard.state.store=redis} (state.redis.RedisIndicatorRegistry). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    IndicatorRegistry indicatorRegistry() {
        return new InMemoryIndicatorRegistry(PEER_TEMPLATE_SIMILARITY);
    }

    /**
     * Similarity at which a prompt matches a peer's template indicator: the policies' "same template"
     * threshold ({@code features.template-similarity: 0.5}, eight times the 1/16 chance agreement of a
     * sketch component). At 0.8 a campaign's own next prompt did not match its exported sketches:
     * variants of one template (numbers changed) sketched below 0.8 of each other (StixRoundTripTest).
     */
    public static final double PEER_TEMPLATE_SIMILARITY = 0.5;

    /** Claimed-history verification: this replica's own record, bounded like its campaign accounts. */
    @Bean
    HistoryLedger historyLedger(GuardProperties properties, Clock clock) {
        return new InMemoryHistoryLedger(clock, properties.campaign().maxAccounts(), properties.campaign().idleExpiry());
    }

    @Bean
    GuardEngine guardEngine(PolicyHolder policy, StateStore store, RateLimiter limiter, TokenLimiter tokens,
                            ChallengeLedger challenges, CampaignStore campaignStore, IndicatorRegistry indicators,
                            HistoryLedger history, CampaignSanctions sanctions, EnforcementWebhook webhook,
                            tools.jackson.databind.json.JsonMapper json,
                            ObjectProvider<EvidenceFleet> fleetEvidence, RequestParser parser,
                            IdentityResolver identities, GuardProperties properties, Clock clock) {
        GuardEngine.Builder engine = GuardEngine.builder(policy, clock).store(store).limiter(limiter).tokens(tokens)
                .challenges(challenges).campaigns(campaignStore).indicators(indicators).history(history)
                .intake(new Intake(parser, identities))
                .sanctions(new NotifyingCampaignSanctions(sanctions, webhook, json));
        fleetEvidence.ifAvailable(engine::fleetEvidence);
        return engine.build();
    }

    @Bean
    CampaignCorrelationRunner campaignCorrelationRunner(GuardEngine engine, CorrelationLeadership leadership,
                                                        GuardProperties properties, MeterRegistry meters) {
        return new CampaignCorrelationRunner(engine, leadership, properties.campaign().correlationTick(), meters);
    }

    /** Reads claimed assistant turns too: the gateway sees the answers it forwards, so it verifies them. */
    @Bean
    RequestParser requestParser() {
        return new RequestParser().readingAnswers();
    }

    @Bean
    IdentityResolver identityResolver(GuardProperties properties) {
        List<Cidr> trusted = new ArrayList<>();
        for (String cidr : properties.identity().trustedProxies()) {
            trusted.add(Cidr.parse(cidr).orElseThrow(() -> new IllegalArgumentException(
                    "guard.identity.trusted-proxies: '" + cidr + "' is not an IP address or CIDR network")));
        }
        String key = properties.identity().credentialHashKey();
        byte[] keyBytes;
        if (key.isEmpty()) {
            keyBytes = new byte[32];
            new SecureRandom().nextBytes(keyBytes);
            log.warn("guard.identity.credential-hash-key is not set: using a random key, so account ids derived from "
                    + "API keys change on restart and differ between replicas. Set GUARD_IDENTITY_CREDENTIAL_HASH_KEY.");
        } else {
            keyBytes = key.getBytes(StandardCharsets.UTF_8);
            if (keyBytes.length < 16) {
                throw new IllegalArgumentException("guard.identity.credential-hash-key must be at least 16 bytes");
            }
        }
        log.info("identity headers are trusted from {}", trusted);
        return new IdentityResolver(keyBytes, trusted);
    }

    /**
     * The policy file in use: the configured one, else {@code config/policies/default.yaml} when it
     * exists in the working directory; null when the bundled default (which cannot change) is used.
     */
    public static Path policyFile(String configured) {
        if (!configured.isEmpty()) {
            return Path.of(configured);
        }
        Path local = Path.of(DEFAULT_POLICY);
        return Files.isRegularFile(local) ? local : null;
    }

    /** Loads the start-up policy; an invalid one stops start-up with every error listed. */
    static Policy loadInitialPolicy(String configured) throws IOException {
        PolicyLoader loader = new PolicyLoader();
        try {
            Path path = policyFile(configured);
            if (path != null) {
                Policy p = loader.load(path);
                log.info("policy {} loaded from {}", p.label(), path.toAbsolutePath());
                return p;
            }
            try (InputStream in = GuardConfiguration.class.getResourceAsStream(BUNDLED_POLICY)) {
                if (in == null) {
                    throw new IOException("no policy configured and none bundled (" + BUNDLED_POLICY + ")");
                }
                Policy p = loader.load("default.yaml", in.readAllBytes());
                log.info("policy {} loaded from the bundled default", p.label());
                return p;
            }
        } catch (PolicyException e) {
            throw new IllegalStateException("cannot start: " + e.getMessage(), e);
        }
    }
}
