package io.extractionguard.admin;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.identity.IdentityResolver;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.state.StateStore;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.policy.PolicyReloader;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts the admin API into the management server's context only (a separate port, never the traffic
 * port). Without {@code guard.admin.token} it is not registered at all, and start-up says so.
 *
 * <p>This package lies outside the application's component scan on purpose: a scanned management
 * configuration would also land in the main context and expose the admin API on the traffic port.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class AdminManagementConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdminManagementConfiguration.class);

    @Bean
    @ConditionalOnExpression("'${guard.admin.token:}' != ''")
    RouterFunction<ServerResponse> adminRoutes(GuardEngine engine, StateStore store, AuditTrail audit,
                                               RecentDecisions recent, PolicyReloader reloader, RequestParser parser,
                                               IdentityResolver identities, JsonMapper json, Clock clock) {
        log.info("admin API enabled on the management port under {} (bearer token from guard.admin.token)", AdminApi.BASE);
        return new AdminApi(engine, store, audit, recent, reloader, parser, identities, json, clock).routes();
    }

    @Bean
    @ConditionalOnExpression("'${guard.admin.token:}' != ''")
    RouterFunction<ServerResponse> adminCampaignRoutes(GuardEngine engine, RecentDecisions recent, JsonMapper json) {
        return new AdminCampaignsApi(engine, recent, json).routes();
    }

    @Bean
    @ConditionalOnExpression("'${guard.admin.token:}' != ''")
    RouterFunction<ServerResponse> adminIndicatorRoutes(GuardEngine engine, AuditTrail audit, JsonMapper json, Clock clock) {
        return new AdminIndicatorsApi(engine, audit, json, clock).routes();
    }

    @Bean
    @ConditionalOnExpression("'${guard.admin.token:}' != ''")
    AdminAuthFilter adminAuthFilter(GuardProperties properties, MeterRegistry meters) {
        return new AdminAuthFilter(properties.admin().token(), meters);
    }

    @Bean
    @ConditionalOnExpression("'${guard.admin.token:}' == ''")
    Object adminDisabledNotice() {
        log.warn("admin API disabled: guard.admin.token is not set (set GUARD_ADMIN_TOKEN from a Secret to enable it)");
        return new Object();
    }
}
