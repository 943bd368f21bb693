package io.extractionguard.gateway.intel;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.gateway.audit.AuditTrail;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/** The TAXII poller and its state; the TAXII server lives in the management context ({@code admin.TaxiiApi}). */
@Configuration(proxyBeanMethods = false)
public class IntelConfiguration {

    /** A single gateway polls alone; a fleet shares watermarks and the poll slot in Redis (state.redis.RedisTaxiiPollState). */
    @Bean
    @ConditionalOnProperty(name = "guard.state.store", havingValue = "memory", matchIfMissing = true)
    TaxiiPollState taxiiPollState(Clock clock) {
        return new TaxiiPollState.InMemory(clock);
    }

    @Bean
    TaxiiPoller taxiiPoller(TaxiiProperties properties, TaxiiPollState state, IndicatorRegistry registry, AuditTrail audit,
                            JsonMapper json, Clock clock, MeterRegistry meters) {
        return new TaxiiPoller(properties.peers(), state, registry, audit, json, clock, meters);
    }
}
