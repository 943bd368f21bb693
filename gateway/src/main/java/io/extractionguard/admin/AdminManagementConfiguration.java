package io.extractionguard.admin;

import java.time.Clock;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.enforce.CaseSigningKey;
import io.extractionguard.gateway.enforce.EnforcementProperties;
import io.extractionguard.gateway.intel.TaxiiProperties;
import io.extractionguard.gateway.observe.AccountNames;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.OnOperatorsConfigured;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.OperatorAuthenticator;
import io.extractionguard.gateway.policy.PolicyReloader;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts the admin API into the management server's context only (a separate port, never the traffic
 * port). Without any way of authenticating operators ({@code guard.admin.operators},
 * {@code guard.admin.oidc.issuer} or the shared {@code guard.admin.token}) it is not registered at
 * all, and start-up says so.
 *
 * <p>This package lies outside the application's component scan on purpose: a scanned management
 * configuration would also land in the main context and expose the admin API on the traffic port.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class AdminManagementConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdminManagementConfiguration.class);

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    OperatorAccess adminOperatorAccess(OperatorAuthenticator authenticator, MeterRegistry meters, JsonMapper json) {
        log.info("admin API enabled on the management port under {} ({})", AdminApi.BASE, authenticator.describe());
        return new OperatorAccess(authenticator, meters, json, List.of(AdminApi.BASE, TaxiiApi.BASE));
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> adminRoutes(OperatorAccess access, GuardEngine engine, StateStore store, AuditTrail audit,
                                               RecentDecisions recent, PolicyReloader reloader, JsonMapper json,
                                               Clock clock) {
        return new AdminApi(access, engine, store, audit, recent, reloader, json, clock).routes();
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> adminCampaignRoutes(OperatorAccess access, GuardEngine engine, AccountNames names,
                                                       JsonMapper json) {
        return new AdminCampaignsApi(access, engine, names, json).routes();
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> adminIndicatorRoutes(OperatorAccess access, GuardEngine engine, AuditTrail audit,
                                                        JsonMapper json, Clock clock) {
        return new AdminIndicatorsApi(access, engine, audit, json, clock).routes();
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> adminEnforcementRoutes(OperatorAccess access, GuardEngine engine, StateStore store,
                                                          AuditTrail audit, RecentDecisions recent, JsonMapper json,
                                                          Clock clock) {
        return new AdminEnforcementApi(access, engine, store, audit, recent, json, clock).routes();
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> adminCaseRoutes(OperatorAccess access, GuardEngine engine, StateStore store,
                                                   AuditTrail audit, RecentDecisions recent, EnforcementProperties enforcement,
                                                   JsonMapper json, Clock clock) {
        return new AdminCasesApi(access, engine, store, audit, recent, CaseSigningKey.load(enforcement.caseSigningKey()),
                json, clock).routes();
    }

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    RouterFunction<ServerResponse> taxiiRoutes(OperatorAccess access, GuardEngine engine, AuditTrail audit,
                                               TaxiiProperties taxii, JsonMapper json, Clock clock) {
        return new TaxiiApi(access, engine, audit, taxii, json, clock).routes();
    }

    /** Authenticated by its own HMAC signature, not by operators: registered whenever the management port is up. */
    @Bean
    RouterFunction<ServerResponse> kycCallbackRoutes(EnforcementProperties enforcement, StateStore store,
                                                     io.extractionguard.engine.spi.ChallengeLedger ledger,
                                                     AuditTrail audit, JsonMapper json, Clock clock) {
        return new KycCallbackApi(enforcement, store, ledger, audit, json, clock).routes();
    }

    @Bean
    @Conditional(OnOperatorsConfigured.Not.class)
    Object adminDisabledNotice() {
        log.warn("admin API disabled: guard.admin.token is not set, nor guard.admin.operators or guard.admin.oidc.issuer "
                + "(docs/operations.md, \"Operators\")");
        return new Object();
    }
}
