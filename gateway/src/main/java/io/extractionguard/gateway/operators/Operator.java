package io.extractionguard.gateway.operators;

import java.util.EnumSet;
import java.util.Set;

/**
 * An authenticated operator: the principal an admin call acts as, named in its audit record.
 *
 * @param name       who (a configured operator name, or the OIDC principal claim)
 * @param roles      what they may do
 * @param credential how they proved it
 */
public record Operator(String name, Set<Role> roles, Credential credential) {

    /** How an operator authenticated; {@link #label()} goes into audit records. */
    public enum Credential {
        /** A per-operator token ({@code guard.admin.operators}). */
        TOKEN("token"),
        /** The shared token of earlier versions ({@code guard.admin.token}): principal {@code admin-token}. */
        SHARED_TOKEN("shared-token"),
        /** An access token from the configured OIDC issuer. */
        OIDC("oidc");

        private final String label;

        Credential(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Operator {
        roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }
}
