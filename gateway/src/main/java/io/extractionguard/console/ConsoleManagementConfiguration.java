package io.extractionguard.console;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.admin.AccountOverrides;
import io.extractionguard.admin.CampaignEnforcement;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.OnOperatorsConfigured;
import io.extractionguard.gateway.operators.OperatorAuthenticator;
import io.extractionguard.gateway.policy.PolicyReloader;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' console, in the management server's context only (like the admin API, and for the
 * same reason outside the component scan), under {@code /console}; registered only when operators
 * can authenticate at all.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class ConsoleManagementConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ConsoleManagementConfiguration.class);

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    ConsoleSessions consoleSessions(Clock clock) {
        return new ConsoleSessions(clock);
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    ConsoleAccess consoleAccess(ConsoleSessions sessions) {
        return new ConsoleAccess(sessions);
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> consoleRoutes(ConsoleAccess access, ConsoleSessions sessions, OperatorAuthenticator authenticator,
                                                 GuardEngine engine, StateStore store, RecentDecisions recent, AuditTrail audit,
                                                 PolicyReloader reloader, JsonMapper json, Clock clock) {
        log.info("operator console enabled on the management port under {}", ConsolePages.BASE);
        ConsoleContext ctx = new ConsoleContext(engine, store, recent, audit, reloader,
                new AccountOverrides(store, audit, json, clock), new CampaignEnforcement(engine, store, audit, recent, json, clock),
                json, clock);
        return new ConsolePages(ctx, access, sessions, authenticator).routes();
    }
}
