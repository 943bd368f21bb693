package io.extractionguard.engine.intel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.identity.Cidr;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads and writes STIX 2.1 bundles of distillation-campaign indicators (format:
 * {@code docs/intel.md}). Imports are validated strictly: a bundle with any invalid
 * object is rejected whole, with every problem named; indicators already expired are skipped and
 * reported. Provenance ({@code created_by_ref} to an identity in the bundle), confidence and expiry
 * are required and kept.
 */
public final class StixBundles {

    /** Imported indicators without {@code valid_until} expire after this long. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
    public static final int MAX_BUNDLE_BYTES = 8 << 20;
    public static final int MAX_OBJECTS = 100_000;

    static final String PAYMENT = "x-extraction-guard-payment:fingerprint";
    static final String JA4 = "x-extraction-guard-client:ja4";
    static final String TEMPLATE = "x-extraction-guard-prompt:template_sketch";
    private static final Pattern ID = Pattern.compile("([a-z][a-z0-9-]*)--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    private static final Pattern PATTERN = Pattern.compile(
            "\\[\\s*([a-z0-9-]+:[a-z0-9_]+)\\s*(=|ISSUBSET)\\s*'((?:[^'\\\\]|\\\\.){1,256})'\\s*]");
    private static final Pattern OPAQUE = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build()).build();

    /** The outcome of an import. */
    public record ImportResult(List<Indicator> indicators, List<String> skipped, List<String> errors) {
        public boolean accepted() {
            return errors.isEmpty();
        }
    }

    private StixBundles() {
    }

    /** Parses and validates a bundle at {@code now}. Never throws for bad input: errors come back in the result. */
    public static ImportResult parse(byte[] bytes, Instant now) {
        List<String> errors = new ArrayList<>();
        if (bytes.length > MAX_BUNDLE_BYTES) {
            return new ImportResult(List.of(), List.of(), List.of("bundle is larger than " + MAX_BUNDLE_BYTES + " bytes"));
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            return new ImportResult(List.of(), List.of(), List.of("not valid JSON: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            return new ImportResult(List.of(), List.of(), List.of("a STIX bundle must be a JSON object"));
        }
        if (!"bundle".equals(root.path("type").asString(null))) {
            errors.add("type: must be 'bundle'");
        }
        if (!isId(root.path("id").asString(null), "bundle")) {
            errors.add("id: must be 'bundle--<uuid>'");
        }
        JsonNode objects = root.path("objects");
        if (!objects.isArray()) {
            errors.add("objects: must be an array");
            return new ImportResult(List.of(), List.of(), errors);
        }
        if (objects.size() > MAX_OBJECTS) {
            errors.add("objects: more than " + MAX_OBJECTS + " objects");
            return new ImportResult(List.of(), List.of(), errors);
        }
        Map<String, String> identities = new HashMap<>();
        for (JsonNode o : objects) {
            if ("identity".equals(o.path("type").asString(null))) {
                identities.put(o.path("id").asString(""), o.path("name").asString(""));
            }
        }
        List<Indicator> indicators = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            JsonNode o = objects.get(i);
            String where = "objects[" + i + "]";
            if (!o.isObject()) {
                errors.add(where + ": must be an object");
                continue;
            }
            String type = o.path("type").asString(null);
            if (type == null || !isId(o.path("id").asString(null), type)) {
                errors.add(where + ": needs a type and an id of the form '<type>--<uuid>'");
                continue;
            }
            if (!"2.1".equals(o.path("spec_version").asString(null))) {
                errors.add(where + " (" + o.path("id").asString() + ").spec_version: must be '2.1'");
            }
            switch (type) {
                case "identity" -> {
                    if (o.path("name").asString("").isBlank()) {
                        errors.add(where + ".name: an identity needs a name");
                    }
                }
                case "indicator" -> readIndicator(o, where, identities, now, indicators, skipped, errors);
                case "campaign", "relationship", "marking-definition", "report", "intrusion-set", "note" -> {
                    // known STIX objects that carry context only; kept out of matching
                }
                default -> errors.add(where + ".type: '" + type + "' is not accepted in indicator exchange "
                        + "(identity, indicator, campaign, relationship, marking-definition, report, intrusion-set, note)");
            }
        }
        return errors.isEmpty()
                ? new ImportResult(List.copyOf(indicators), List.copyOf(skipped), List.of())
                : new ImportResult(List.of(), List.of(), List.copyOf(errors));
    }

    private static void readIndicator(JsonNode o, String where, Map<String, String> identities, Instant now,
                                      List<Indicator> out, List<String> skipped, List<String> errors) {
        String id = o.path("id").asString();
        String at = where + " (" + id + ")";
        int before = errors.size();
        if (!"stix".equals(o.path("pattern_type").asString(null))) {
            errors.add(at + ".pattern_type: must be 'stix'");
        }
        String creator = o.path("created_by_ref").asString(null);
        if (creator == null || !identities.containsKey(creator)) {
            errors.add(at + ".created_by_ref: must reference an identity in this bundle (provenance is required)");
        }
        JsonNode confidenceNode = o.path("confidence");
        int confidence = confidenceNode.isIntegralNumber() ? confidenceNode.asInt() : -1;
        if (confidence < 0 || confidence > 100) {
            errors.add(at + ".confidence: required, an integer from 0 to 100");
        }
        Instant created = time(o, "created", at, errors, true);
        Instant modified = time(o, "modified", at, errors, true);
        Instant validFrom = time(o, "valid_from", at, errors, true);
        Instant validUntil = time(o, "valid_until", at, errors, false);
        if (validFrom != null && validUntil != null && !validUntil.isAfter(validFrom)) {
            errors.add(at + ".valid_until: must be after valid_from");
        }
        if (created != null && modified != null && modified.isBefore(created)) {
            errors.add(at + ".modified: must not be before created");
        }
        Indicator.Kind kind = null;
        String value = null;
        String pattern = o.path("pattern").asString(null);
        Matcher m = pattern == null ? null : PATTERN.matcher(pattern.trim());
        if (m == null || !m.matches()) {
            errors.add(at + ".pattern: must be one comparison such as [x-extraction-guard-payment:fingerprint = 'pf-…'] "
                    + "or [ipv4-addr:value ISSUBSET '203.0.113.0/24']");
        } else {
            String path = m.group(1);
            String op = m.group(2);
            value = m.group(3).replace("\\'", "'").replace("\\\\", "\\");
            switch (path) {
                case PAYMENT, JA4 -> {
                    kind = path.equals(PAYMENT) ? Indicator.Kind.PAYMENT_FINGERPRINT : Indicator.Kind.CLIENT_JA4;
                    if (!op.equals("=") || !OPAQUE.matcher(value).matches()) {
                        errors.add(at + ".pattern: " + path + " takes '=' and 1–128 characters [A-Za-z0-9._:@/+=-]");
                    }
                }
                case "ipv4-addr:value", "ipv6-addr:value" -> {
                    kind = Indicator.Kind.IP_PREFIX;
                    if (Cidr.parse(value).isEmpty()) {
                        errors.add(at + ".pattern: '" + value + "' is not an IP address or CIDR network");
                    }
                }
                case TEMPLATE -> {
                    kind = Indicator.Kind.PROMPT_TEMPLATE;
                    if (!op.equals("=") || !isSketch(value)) {
                        errors.add(at + ".pattern: " + TEMPLATE + " takes '=' and " + (PromptSketch.BYTES * 2)
                                + " lower-case hex digits");
                    }
                }
                default -> errors.add(at + ".pattern: object path '" + path + "' is not supported (use " + PAYMENT
                        + ", " + JA4 + ", ipv4-addr:value, ipv6-addr:value or " + TEMPLATE + ")");
            }
        }
        if (errors.size() > before) {
            return;
        }
        Instant until = validUntil != null ? validUntil : validFrom.plus(DEFAULT_VALIDITY);
        if (!now.isBefore(until)) {
            skipped.add(at + ": expired at " + until);
            return;
        }
        out.add(new Indicator(id, kind, value, confidence, validFrom, until, identities.get(creator), creator,
                o.path("name").asString("")));
    }

    private static Instant time(JsonNode o, String field, String at, List<String> errors, boolean required) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                errors.add(at + "." + field + ": required (RFC 3339 UTC timestamp)");
            }
            return null;
        }
        try {
            return Instant.parse(n.asString(""));
        } catch (DateTimeParseException e) {
            errors.add(at + "." + field + ": must be an RFC 3339 UTC timestamp such as 2026-03-02T14:07:55Z");
            return null;
        }
    }

    private static boolean isId(String id, String type) {
        if (id == null) {
            return false;
        }
        Matcher m = ID.matcher(id);
        return m.matches() && m.group(1).equals(type);
    }

    private static boolean isSketch(String value) {
        if (value.length() != PromptSketch.BYTES * 2) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes a bundle of {@code indicators} produced by {@code producerName} (a stable identity id is
     * derived from the name, so a peer sees the same producer across exports).
     */
    public static String export(String producerName, List<Indicator> indicators, Instant now) {
        ObjectNode bundle = JSON.createObjectNode();
        bundle.put("type", "bundle");
        bundle.put("id", "bundle--" + UUID.randomUUID());
        ArrayNode objects = bundle.putArray("objects");
        String producerId = "identity--" + UUID.nameUUIDFromBytes(("extraction-guard:" + producerName)
                .getBytes(StandardCharsets.UTF_8));
        ObjectNode identity = objects.addObject();
        identity.put("type", "identity").put("spec_version", "2.1").put("id", producerId)
                .put("created", "2026-01-01T00:00:00Z").put("modified", "2026-01-01T00:00:00Z")
                .put("name", producerName).put("identity_class", "organization");
        for (Indicator ind : indicators) {
            ObjectNode o = objects.addObject();
            o.put("type", "indicator").put("spec_version", "2.1").put("id", ind.id())
                    .put("created", now.toString()).put("modified", now.toString())
                    .put("created_by_ref", producerId)
                    .put("name", ind.name().isBlank() ? describe(ind.kind()) : ind.name())
                    .put("pattern", pattern(ind)).put("pattern_type", "stix")
                    .put("valid_from", ind.validFrom().toString())
                    .put("confidence", ind.confidence());
            if (ind.validUntil() != null) {
                o.put("valid_until", ind.validUntil().toString());
            }
            o.putArray("indicator_types").add("malicious-activity");
            o.putArray("labels").add("model-distillation");
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(bundle);
    }

    /** A new indicator id. */
    public static String newId() {
        return "indicator--" + UUID.randomUUID();
    }

    /** Hex form of a prompt sketch signature, as used in template patterns. */
    public static String sketchHex(byte[] signature) {
        return HexFormat.of().formatHex(signature);
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

    private static String describe(Indicator.Kind kind) {
        return switch (kind) {
            case PAYMENT_FINGERPRINT -> "Payment instrument used by a distillation campaign";
            case CLIENT_JA4 -> "TLS client fingerprint of a distillation campaign";
            case IP_PREFIX -> "Network used by a distillation campaign";
            case PROMPT_TEMPLATE -> "Prompt template of a distillation campaign (similarity sketch)";
        };
    }
}
