package io.extractionguard.gateway.operators;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What an operator may do on the admin API. Roles are independent: none implies another. */
public enum Role {
    /** Look: account summaries, explain, campaigns, policy status, held indicators. */
    READ,
    /** Change an account's standing: block, allow, release. */
    OVERRIDE,
    /** Reload the policy. */
    POLICY,
    /** Exchange threat intelligence: export campaign evidence, import a peer's indicators. */
    INTEL;

    /** The name in configuration, claims and messages. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code s} (case-insensitive), if it is one. */
    public static Optional<Role> parse(String s) {
        for (Role r : values()) {
            if (r.label().equalsIgnoreCase(s.trim())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** {@code read, override, policy, intel}: for error messages. */
    public static String labels() {
        return Arrays.stream(values()).map(Role::label).collect(Collectors.joining(", "));
    }
}
