package io.extractionguard.engine.intel;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.identity.Cidr;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads a STIX 2.1 bundle from a peer. Any valid bundle is accepted: the guard takes the indicators
 * whose patterns it matches (with their producer, confidence, validity and the campaigns they
 * indicate), counts every other valid object by type, reports each indicator it does not use with
 * the reason, and names each invalid object with what is wrong — skipping it, never the whole
 * bundle. Only input that is not a STIX bundle at all is refused.
 *
 * <p>What an attacker-fed bundle could abuse is bounded: networks broader than a /24 (IPv4) or /48
 * (IPv6) — the granularity cross-account correlation itself links on — are not matched, so a
 * bundle cannot put a /8 under suspicion; values are length-limited; revoked and expired indicators
 * are not used.
 */
public final class StixImport {

    /** The broadest networks matched from a peer's indicators. */
    public static final int MIN_IPV4_PREFIX = 24;
    public static final int MIN_IPV6_PREFIX = 48;
    /** Report lines kept per list (the count is always complete). */
    static final int MAX_REPORTED = 200;

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9-]{1,248}[a-z0-9]");
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}");
    /** STIX Cyber-observable Objects: no {@code created}/{@code modified}, {@code spec_version} optional. */
    private static final Set<String> SCOS = Set.of("artifact", "autonomous-system", "directory", "domain-name",
            "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic",
            "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate");

    /**
     * Where a bundle comes from, for what it does not say itself.
     *
     * @param source            producer name for indicators without a {@code created_by_ref} identity in the bundle
     * @param defaultConfidence confidence of indicators that state none (0–100)
     * @param maxConfidence     confidence ceiling for this source (0–100): a peer cannot claim more than it is trusted with
     */
    public record Options(String source, int defaultConfidence, int maxConfidence) {
        public static final Options OPERATOR = new Options("unattributed", 50, 100);
    }

    /**
     * The outcome.
     *
     * @param indicators indicators to use
     * @param objects    every valid object, counted by type
     * @param notUsed    valid indicators not used, each with the reason (up to {@value #MAX_REPORTED})
     * @param invalid    invalid objects, each named with what is wrong (up to {@value #MAX_REPORTED})
     * @param invalidCount all invalid objects
     * @param invalidAt  the positions of all invalid objects in {@code objects}
     * @param refused    why the input is not a STIX bundle at all, or null
     */
    public record Result(List<Indicator> indicators, Map<String, Integer> objects, List<String> notUsed,
                         List<String> invalid, int invalidCount, Set<Integer> invalidAt, String refused) {
        public boolean accepted() {
            return refused == null;
        }

        static Result refuse(String why) {
            return new Result(List.of(), Map.of(), List.of(), List.of(), 0, Set.of(), why);
        }
    }

    private StixImport() {
    }

    /** Parses a bundle at {@code now}. Never throws for bad input. */
    public static Result parse(byte[] bytes, Options options, Instant now) {
        if (bytes.length > StixBundles.MAX_BUNDLE_BYTES) {
            return Result.refuse("bundle is larger than " + StixBundles.MAX_BUNDLE_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = StixBundles.JSON.readTree(bytes);
        } catch (JacksonException e) {
            return Result.refuse("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            return Result.refuse("a STIX bundle must be a JSON object");
        }
        if (!"bundle".equals(root.path("type").asString(null))) {
            return Result.refuse("type: must be 'bundle'");
        }
        if (!isId(root.path("id").asString(null), "bundle")) {
            return Result.refuse("id: must be 'bundle--<uuid>'");
        }
        JsonNode objects = root.get("objects");
        if (objects == null) {
            return new Result(List.of(), Map.of(), List.of(), List.of(), 0, Set.of(), null); // a bundle may be empty
        }
        if (!objects.isArray()) {
            return Result.refuse("objects: must be an array");
        }
        if (objects.size() > StixBundles.MAX_OBJECTS) {
            return Result.refuse("objects: more than " + StixBundles.MAX_OBJECTS + " objects");
        }
        return new Reading(options, now).read(objects);
    }

    /** One bundle's reading: valid objects first, then the indicators with their context. */
    private static final class Reading {
        private final Options options;
        private final Instant now;
        private final Map<String, Integer> counts = new TreeMap<>();
        private final List<String> notUsed = new ArrayList<>();
        private final List<String> invalid = new ArrayList<>();
        private final Set<Integer> invalidAt = new java.util.TreeSet<>();
        private final Map<String, String> identities = new HashMap<>();
        private final Map<String, String> campaigns = new HashMap<>();
        private final Map<String, List<String>> indicates = new HashMap<>();

        Reading(Options options, Instant now) {
            this.options = options;
            this.now = now;
        }

        Result read(JsonNode objects) {
            List<Map.Entry<String, JsonNode>> indicatorNodes = new ArrayList<>();
            for (int i = 0; i < objects.size(); i++) {
                JsonNode o = objects.get(i);
                String at = "objects[" + i + "]";
                String problem = problem(o);
                if (problem != null) {
                    invalidAt.add(i);
                    if (invalid.size() < MAX_REPORTED) {
                        String id = o.isObject() ? o.path("id").asString("") : "";
                        invalid.add(at + (id.isEmpty() || id.length() > 300 ? "" : " (" + id + ")") + problem);
                    }
                    continue;
                }
                String type = o.get("type").asString();
                String id = o.get("id").asString();
                counts.merge(type, 1, Integer::sum);
                switch (type) {
                    case "identity" -> identities.put(id, o.get("name").asString());
                    case "campaign" -> campaigns.put(id, o.get("name").asString());
                    case "relationship" -> {
                        if ("indicates".equals(o.get("relationship_type").asString())
                                && o.get("source_ref").asString().startsWith("indicator--")) {
                            indicates.computeIfAbsent(o.get("source_ref").asString(), k -> new ArrayList<>())
                                    .add(o.get("target_ref").asString());
                        }
                    }
                    case "indicator" -> indicatorNodes.add(Map.entry(at + " (" + id + ")", o));
                    default -> {
                    }
                }
            }
            Map<String, Indicator> used = new LinkedHashMap<>();
            Map<String, Instant> versions = new HashMap<>();
            for (Map.Entry<String, JsonNode> e : indicatorNodes) {
                JsonNode o = e.getValue();
                Instant modified = StixTime.parse(o.get("modified").asString()).orElseThrow();
                String id = o.get("id").asString();
                Instant held = versions.get(id);
                if (held != null && !modified.isAfter(held)) {
                    report(e.getKey() + ": an older version of an indicator in this bundle");
                    continue;
                }
                use(e.getKey(), o).ifPresentOrElse(ind -> {
                    used.put(id, ind);
                    versions.put(id, modified);
                }, () -> used.remove(id));
            }
            return new Result(List.copyOf(used.values()), Map.copyOf(counts), List.copyOf(notUsed),
                    List.copyOf(invalid), invalidAt.size(), Set.copyOf(invalidAt), null);
        }

        private void report(String line) {
            if (notUsed.size() < MAX_REPORTED) {
                notUsed.add(line);
            }
        }

        /** The indicator to use, or empty with the reason reported. */
        private Optional<Indicator> use(String at, JsonNode o) {
            if (o.path("revoked").asBoolean(false)) {
                report(at + ": revoked");
                return Optional.empty();
            }
            if (!"stix".equals(o.get("pattern_type").asString())) {
                report(at + ": pattern_type '" + clip(o.get("pattern_type").asString()) + "' (the guard matches 'stix' patterns)");
                return Optional.empty();
            }
            Instant validFrom = StixTime.parse(o.get("valid_from").asString()).orElseThrow();
            Instant validUntil = o.has("valid_until")
                    ? StixTime.parse(o.get("valid_until").asString()).orElseThrow()
                    : validFrom.plus(StixBundles.DEFAULT_VALIDITY);
            if (!now.isBefore(validUntil)) {
                report(at + ": expired at " + StixTime.format(validUntil));
                return Optional.empty();
            }
            String pattern = o.get("pattern").asString();
            Matcher m = StixBundles.PATTERN.matcher(pattern.trim());
            if (!m.matches()) {
                report(at + ": pattern is not one comparison the guard matches (" + StixBundles.PAYMENT + ", "
                        + StixBundles.JA4 + ", ipv4-addr:value, ipv6-addr:value, " + StixBundles.TEMPLATE + ")");
                return Optional.empty();
            }
            String path = m.group(1);
            String op = m.group(2);
            String value = m.group(3).replace("\\'", "'").replace("\\\\", "\\");
            Indicator.Kind kind;
            switch (path) {
                case StixBundles.PAYMENT, StixBundles.JA4 -> {
                    kind = path.equals(StixBundles.PAYMENT) ? Indicator.Kind.PAYMENT_FINGERPRINT : Indicator.Kind.CLIENT_JA4;
                    if (!op.equals("=") || !StixBundles.OPAQUE.matcher(value).matches()) {
                        report(at + ": " + path + " takes '=' and 1–128 characters [A-Za-z0-9._:@/+=-]");
                        return Optional.empty();
                    }
                }
                case "ipv4-addr:value", "ipv6-addr:value" -> {
                    kind = Indicator.Kind.IP_PREFIX;
                    Optional<Cidr> net = Cidr.parse(value);
                    if (net.isEmpty()) {
                        report(at + ": '" + clip(value) + "' is not an IP address or CIDR network");
                        return Optional.empty();
                    }
                    if (tooBroad(net.get())) {
                        report(at + ": network " + value + " is broader than /" + MIN_IPV4_PREFIX + " (IPv4) or /"
                                + MIN_IPV6_PREFIX + " (IPv6); not matched");
                        return Optional.empty();
                    }
                }
                case StixBundles.TEMPLATE -> {
                    kind = Indicator.Kind.PROMPT_TEMPLATE;
                    int version = PromptSketch.textVersion(value);
                    if (!op.equals("=") || version < 0) {
                        report(at + ": " + StixBundles.TEMPLATE + " takes '=' and 'v" + PromptSketch.VERSION + ":' with "
                                + (PromptSketch.BYTES * 2) + " lower-case hex digits");
                        return Optional.empty();
                    }
                    if (version != PromptSketch.VERSION) {
                        report(at + ": a version-" + version + " template sketch" + (version == 1 ? " (bare hex)" : "")
                                + ", not comparable with this build's version " + PromptSketch.VERSION
                                + "; re-export it from a peer that runs version " + PromptSketch.VERSION);
                        return Optional.empty();
                    }
                }
                default -> {
                    report(at + ": object path '" + clip(path) + "' is not one the guard matches");
                    return Optional.empty();
                }
            }
            String creator = o.path("created_by_ref").asString(null);
            String source = creator != null && identities.containsKey(creator) ? identities.get(creator) : options.source();
            String sourceId = creator != null && identities.containsKey(creator) ? creator : null;
            int confidence = Math.min(options.maxConfidence(),
                    o.has("confidence") ? o.get("confidence").asInt() : options.defaultConfidence());
            StringBuilder name = new StringBuilder(clip(o.path("name").asString("")));
            for (String campaign : indicates.getOrDefault(o.get("id").asString(), List.of())) {
                if (campaigns.containsKey(campaign)) {
                    name.append(name.isEmpty() ? "" : " ").append("[campaign: ").append(clip(campaigns.get(campaign))).append(']');
                }
            }
            return Optional.of(new Indicator(o.get("id").asString(), kind, value, confidence, validFrom, validUntil,
                    clip(source), sourceId, name.toString()));
        }

        /** Why {@code o} is not a valid STIX 2.1 object (as {@code ".field: why"}), or null. */
        private static String problem(JsonNode o) {
            if (!o.isObject()) {
                return ": must be a JSON object";
            }
            String type = o.path("type").asString(null);
            if (type == null || !TYPE.matcher(type).matches()) {
                return ".type: required, 3–250 characters [a-z0-9-]";
            }
            if (!isId(o.path("id").asString(null), type)) {
                return ".id: must be '" + type + "--<RFC 4122 uuid>'";
            }
            boolean sco = SCOS.contains(type);
            JsonNode spec = o.get("spec_version");
            if (spec != null ? !"2.1".equals(spec.asString(null)) : !sco) {
                return ".spec_version: must be '2.1'";
            }
            if (sco) {
                return null;
            }
            Optional<Instant> created = timestamp(o, "created");
            if (created.isEmpty()) {
                return ".created: required, a STIX timestamp such as 2026-03-02T14:07:55.000Z";
            }
            if (!type.equals("marking-definition")) {
                Optional<Instant> modified = timestamp(o, "modified");
                if (modified.isEmpty()) {
                    return ".modified: required, a STIX timestamp such as 2026-03-02T14:07:55.000Z";
                }
                if (modified.get().isBefore(created.get())) {
                    return ".modified: must not be before created";
                }
            }
            if (o.has("confidence") && !(o.get("confidence").isIntegralNumber()
                    && o.get("confidence").asInt() >= 0 && o.get("confidence").asInt() <= 100)) {
                return ".confidence: an integer from 0 to 100";
            }
            if (o.has("created_by_ref") && !isId(o.get("created_by_ref").asString(null), "identity")) {
                return ".created_by_ref: must be an identity id";
            }
            return switch (type) {
                case "identity", "campaign" -> text(o, "name") ? null : ".name: required";
                case "relationship" -> !text(o, "relationship_type") ? ".relationship_type: required"
                        : !isAnyId(o.path("source_ref").asString(null)) ? ".source_ref: required, an object id"
                        : !isAnyId(o.path("target_ref").asString(null)) ? ".target_ref: required, an object id" : null;
                case "sighting" -> isAnyId(o.path("sighting_of_ref").asString(null)) ? null
                        : ".sighting_of_ref: required, an object id";
                case "indicator" -> indicatorProblem(o);
                default -> null;
            };
        }

        private static String indicatorProblem(JsonNode o) {
            if (!text(o, "pattern")) {
                return ".pattern: required";
            }
            if (!text(o, "pattern_type")) {
                return ".pattern_type: required";
            }
            Optional<Instant> from = timestamp(o, "valid_from");
            if (from.isEmpty()) {
                return ".valid_from: required, a STIX timestamp such as 2026-03-02T14:07:55.000Z";
            }
            if (o.has("valid_until")) {
                Optional<Instant> until = timestamp(o, "valid_until");
                if (until.isEmpty()) {
                    return ".valid_until: a STIX timestamp such as 2026-03-02T14:07:55.000Z";
                }
                if (!until.get().isAfter(from.get())) {
                    return ".valid_until: must be after valid_from";
                }
            }
            return null;
        }

        private static Optional<Instant> timestamp(JsonNode o, String field) {
            JsonNode n = o.get(field);
            return n == null || !n.isString() ? Optional.empty() : StixTime.parse(n.asString());
        }

        private static boolean text(JsonNode o, String field) {
            JsonNode n = o.get(field);
            return n != null && n.isString() && !n.asString().isBlank();
        }
    }

    private static boolean tooBroad(Cidr net) {
        return net.prefixLength() < (net.network().length == 4 ? MIN_IPV4_PREFIX : MIN_IPV6_PREFIX);
    }

    private static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    static boolean isAnyId(String id) {
        int sep = id == null ? -1 : id.indexOf("--");
        return sep > 0 && isId(id, id.substring(0, sep));
    }

    static boolean isId(String id, String type) {
        return id != null && id.length() == type.length() + 38 && id.startsWith(type + "--")
                && UUID.matcher(id.substring(type.length() + 2)).matches();
    }
}
