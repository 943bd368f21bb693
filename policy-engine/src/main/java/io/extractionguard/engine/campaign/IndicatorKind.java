package io.extractionguard.engine.campaign;

import java.util.List;
import java.util.Optional;

import io.extractionguard.engine.score.SignalKind.ParamSpec;

/**
 * What two accounts can share that links them into one campaign, besides prompt templates (see
 * {@link TemplateSettings}). A shared value is evidence only in proportion to how many of the
 * <em>other</em> accounts sharing it behave suspiciously, and to how rare the value is.
 */
public enum IndicatorKind {

    /** The payment instrument's fingerprint ({@code x-payment-fingerprint}). */
    PAYMENT("payment", List.of()),
    /** The client's TLS fingerprint together with its user agent ({@code x-client-ja4} + {@code user-agent}). */
    CLIENT("client", List.of()),
    /** The client address's network: /24 for IPv4, /48 for IPv6. */
    NETWORK("network", List.of()),
    /** The organisation ({@code x-org-id}). */
    ORG("org", List.of()),
    /** Accounts created in the same time window ({@code x-account-created}). */
    CREATED("created", List.of(new ParamSpec("window", 15 * 60_000.0, 1_000, 30 * 86_400_000.0,
            ParamSpec.Type.DURATION))),
    /** The same system prompt (hash of its normalised tokens). */
    SYSTEM_PROMPT("system-prompt", List.of()),
    /** The same machine-regular request cadence (synchronised, load-balanced sending). */
    TIMING("timing", List.of(
            new ParamSpec("max-cv", 0.25, 0.01, 1, ParamSpec.Type.SHARE),
            new ParamSpec("min-gaps", 6, 2, 1000, ParamSpec.Type.COUNT)));

    private static final IndicatorKind[] VALUES = values();

    private final String id;
    private final List<ParamSpec> params;

    IndicatorKind(String id, List<ParamSpec> params) {
        this.id = id;
        this.params = params;
    }

    /** The key under {@code campaign.indicators} in a policy file. */
    public String id() {
        return id;
    }

    /** The reason id reported when this indicator contributes: {@code campaign/<id>}. */
    public String reason() {
        return "campaign/" + id;
    }

    /** Parameters besides {@code weight} and {@code mode}, with defaults. */
    public List<ParamSpec> params() {
        return params;
    }

    public static int count() {
        return VALUES.length;
    }

    public static IndicatorKind of(int ordinal) {
        return VALUES[ordinal];
    }

    public static Optional<IndicatorKind> byId(String id) {
        for (IndicatorKind kind : VALUES) {
            if (kind.id.equals(id)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
