package io.extractionguard.gateway.operators;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import io.extractionguard.gateway.config.GuardProperties;

/**
 * Matches when some way of authenticating operators is configured ({@code guard.admin.token},
 * {@code guard.admin.operators} or {@code guard.admin.oidc.issuer}): operator-facing endpoints exist
 * only then. {@link Not} is the opposite.
 */
public class OnOperatorsConfigured extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return configured(context) ? ConditionOutcome.match("operators configured")
                : ConditionOutcome.noMatch("no guard.admin.token, guard.admin.operators or guard.admin.oidc.issuer");
    }

    static boolean configured(ConditionContext context) {
        return Binder.get(context.getEnvironment()).bind("guard.admin", GuardProperties.Admin.class)
                .map(GuardProperties.Admin::enabled).orElse(false);
    }

    /** Matches when no way of authenticating operators is configured. */
    public static class Not extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return configured(context) ? ConditionOutcome.noMatch("operators configured")
                    : ConditionOutcome.match("no operators configured");
        }
    }
}
