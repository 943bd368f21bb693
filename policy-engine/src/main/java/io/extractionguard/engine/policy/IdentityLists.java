package io.extractionguard.engine.policy;

import java.util.Set;

import io.extractionguard.engine.identity.ClientIdentity;

/** Explicit account, organisation and payment-fingerprint lists (allow or deny). */
public record IdentityLists(Set<String> accounts, Set<String> orgs, Set<String> paymentFingerprints) {

    public static final IdentityLists EMPTY = new IdentityLists(Set.of(), Set.of(), Set.of());

    public IdentityLists {
        accounts = Set.copyOf(accounts);
        orgs = Set.copyOf(orgs);
        paymentFingerprints = Set.copyOf(paymentFingerprints);
    }

    /** The reason suffix of the first entry matching the identity ({@code account}, {@code org}, {@code payment}), or null. */
    public String match(ClientIdentity id) {
        if (accounts.contains(id.accountId())) {
            return "account";
        }
        if (id.orgId() != null && orgs.contains(id.orgId())) {
            return "org";
        }
        if (id.paymentFingerprint() != null && paymentFingerprints.contains(id.paymentFingerprint())) {
            return "payment";
        }
        return null;
    }
}
