package io.extractionguard.gateway.operators;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.extractionguard.engine.operator.OperatorTokens;
import io.extractionguard.gateway.config.GuardProperties;

/**
 * Opaque bearer tokens: the per-operator tokens of {@code guard.admin.operators}, held as SHA-256
 * hashes, and the shared {@code guard.admin.token} of earlier versions (principal
 * {@value #SHARED_PRINCIPAL}, every role). A presented token is hashed and compared with every
 * configured hash in constant time, without stopping at a match, so timing tells nothing about which
 * entry (or how much of one) matched.
 */
final class TokenOperators {

    static final String SHARED_PRINCIPAL = "admin-token";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private record Entry(byte[] digest, Operator operator) {
    }

    private final List<Entry> entries;

    /** @throws IllegalArgumentException naming every problem of the configuration, with its property path */
    TokenOperators(String sharedToken, List<GuardProperties.Admin.OperatorToken> configured) {
        List<String> problems = new ArrayList<>();
        List<Entry> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < configured.size(); i++) {
            GuardProperties.Admin.OperatorToken o = configured.get(i);
            String at = "guard.admin.operators[" + i + "]";
            String name = o.name() == null ? "" : o.name().trim();
            if (!NAME.matcher(name).matches()) {
                problems.add(at + ".name: 1-64 characters of [A-Za-z0-9._@-], was '" + name + "'");
            } else if (name.equals(SHARED_PRINCIPAL)) {
                problems.add(at + ".name: '" + SHARED_PRINCIPAL + "' is the shared token's principal; choose the operator's own name");
            } else if (!names.add(name)) {
                problems.add(at + ".name: '" + name + "' is configured twice");
            }
            String hash = o.tokenSha256() == null ? "" : o.tokenSha256().trim().toLowerCase(java.util.Locale.ROOT);
            if (!SHA256_HEX.matcher(hash).matches()) {
                problems.add(at + ".token-sha256: the SHA-256 of the token as 64 hex digits (./guard cli operator-token "
                        + "prints one), was " + hash.length() + " characters");
            } else if (!hashes.add(hash)) {
                problems.add(at + ".token-sha256: the same token is configured for another operator");
            }
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            for (String r : o.roles()) {
                Role.parse(r).ifPresentOrElse(roles::add,
                        () -> problems.add(at + ".roles: '" + r + "' is not a role (" + Role.labels() + ")"));
            }
            if (o.roles().isEmpty()) {
                problems.add(at + ".roles: at least one of " + Role.labels());
            }
            if (problems.isEmpty()) {
                list.add(new Entry(HexFormat.of().parseHex(hash), new Operator(name, roles, Operator.Credential.TOKEN)));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid operator configuration: " + String.join("; ", problems));
        }
        if (!sharedToken.isBlank()) {
            list.add(new Entry(OperatorTokens.sha256(sharedToken.trim()),
                    new Operator(SHARED_PRINCIPAL, EnumSet.allOf(Role.class), Operator.Credential.SHARED_TOKEN)));
        }
        this.entries = List.copyOf(list);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    /** The operator whose token this is, if any. */
    Optional<Operator> match(String presented) {
        byte[] digest = OperatorTokens.sha256(presented);
        Operator found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest(), digest)) {
                found = e.operator();
            }
        }
        return Optional.ofNullable(found);
    }
}
