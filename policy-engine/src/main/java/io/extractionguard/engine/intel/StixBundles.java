package io.extractionguard.engine.intel;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;

import io.extractionguard.engine.features.PromptSketch;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * What STIX 2.1 bundles of distillation-campaign indicators share between {@link StixExport} and
 * {@link StixImport} (format: {@code docs/intel.md}): the patterns the guard writes and matches,
 * limits, and the JSON mapper.
 */
public final class StixBundles {

    /** Imported indicators without {@code valid_until} expire after this long. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
    public static final int MAX_BUNDLE_BYTES = 8 << 20;
    public static final int MAX_OBJECTS = 100_000;

    static final String PAYMENT = "x-extraction-guard-payment:fingerprint";
    static final String JA4 = "x-extraction-guard-client:ja4";
    static final String TEMPLATE = "x-extraction-guard-prompt:template_sketch";
    /** One comparison: the only pattern shape the guard writes and matches. */
    static final Pattern PATTERN = Pattern.compile(
            "\\[\\s*([a-z0-9-]+:[a-z0-9_]+)\\s*(=|ISSUBSET)\\s*'((?:[^'\\\\]|\\\\.){1,256})'\\s*]");
    static final Pattern OPAQUE = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

    static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build()).build();

    private StixBundles() {
    }

    /** A new indicator id. */
    public static String newId() {
        return "indicator--" + UUID.randomUUID();
    }

    /** Text form of a prompt sketch, with its version, as used in template patterns ({@link PromptSketch#text}). */
    public static String sketchText(byte[] signature) {
        return PromptSketch.text(signature);
    }

    static String pattern(Indicator ind) {
        String v = ind.value().replace("\\", "\\\\").replace("'", "\\'");
        return switch (ind.kind()) {
            case PAYMENT_FINGERPRINT -> "[" + PAYMENT + " = '" + v + "']";
            case CLIENT_JA4 -> "[" + JA4 + " = '" + v + "']";
            case IP_PREFIX -> "[" + (v.contains(":") ? "ipv6-addr" : "ipv4-addr") + ":value ISSUBSET '" + v + "']";
            case PROMPT_TEMPLATE -> "[" + TEMPLATE + " = '" + v + "']";
        };
    }

    static String describe(Indicator.Kind kind) {
        return switch (kind) {
            case PAYMENT_FINGERPRINT -> "Payment instrument used by a distillation campaign";
            case CLIENT_JA4 -> "TLS client fingerprint of a distillation campaign";
            case IP_PREFIX -> "Network used by a distillation campaign";
            case PROMPT_TEMPLATE -> "Prompt template of a distillation campaign (similarity sketch)";
        };
    }
}
