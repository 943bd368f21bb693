package io.extractionguard.engine.intel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.JsonNode;

/**
 * The OASIS STIX 2.1 JSON schemas (test resources {@code stix-schemas/}, copied from
 * {@code oasis-open/cti-stix2-json-schemas}) through the networknt validator: a bundle against
 * {@code common/bundle.json}, each object against the schema of its own type (types without one,
 * custom objects, against {@code common/core.json}).
 */
final class StixSchemas {

    private static final String ID_PREFIX = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/";
    private static final Set<String> SDOS = Set.of("attack-pattern", "campaign", "course-of-action", "grouping",
            "identity", "incident", "indicator", "infrastructure", "intrusion-set", "location", "malware",
            "malware-analysis", "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability");
    private static final Set<String> SROS = Set.of("relationship", "sighting");
    private static final Set<String> COMMON = Set.of("marking-definition", "language-content", "extension-definition");
    private static final Set<String> SCOS = Set.of("artifact", "autonomous-system", "directory", "domain-name",
            "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic",
            "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate");

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaIdResolvers(r -> r.mapPrefix(ID_PREFIX, "classpath:stix-schemas/")));
    private static final Map<String, Schema> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private StixSchemas() {
    }

    /**
     * Types {@code common/bundle.json} lists. Upstream's bundle schema checks any other object (grouping,
     * incident, location, note, opinion, extension-definition, custom types) against a {@code oneOf} of
     * the SDO and SCO cores, which every SDO satisfies both of, so it fails valid objects of those
     * types; they are checked against their own schemas only.
     */
    private static final Set<String> IN_BUNDLE_SCHEMA = Set.of("attack-pattern", "campaign", "course-of-action",
            "identity", "indicator", "infrastructure", "intrusion-set", "malware", "malware-analysis", "observed-data",
            "relationship", "report", "sighting", "threat-actor", "tool", "vulnerability", "language-content",
            "marking-definition");

    /** Every schema violation of the bundle and of each of its objects, as {@code "<id>: <message>"}. */
    static List<String> violations(JsonNode bundle) {
        List<String> out = new ArrayList<>();
        tools.jackson.databind.node.ObjectNode envelope = (tools.jackson.databind.node.ObjectNode) bundle.deepCopy();
        tools.jackson.databind.node.ArrayNode listed = envelope.putArray("objects");
        for (JsonNode o : bundle.path("objects")) {
            String type = o.path("type").asString("");
            if (IN_BUNDLE_SCHEMA.contains(type) || SCOS.contains(type)) {
                listed.add(o);
            }
        }
        if (listed.isEmpty()) {
            envelope.remove("objects");
        }
        schema("common/bundle.json").validate(envelope).forEach(e -> out.add("bundle: " + message(e)));
        for (JsonNode o : bundle.path("objects")) {
            out.addAll(violationsOf(o));
        }
        return out;
    }

    /** The violations of one object against the schema of its type. */
    static List<String> violationsOf(JsonNode object) {
        String type = object.path("type").asString("");
        String id = object.path("id").asString("?");
        return schema(pathOf(type)).validate(object).stream().map(e -> id + ": " + message(e)).toList();
    }

    /** Whether the schemas define {@code type} (a custom type is checked against the common core only). */
    static boolean isStandard(String type) {
        return SDOS.contains(type) || SROS.contains(type) || COMMON.contains(type) || SCOS.contains(type);
    }

    /** The standard STIX 2.1 types. */
    static Set<String> standardTypes() {
        Set<String> all = new java.util.TreeSet<>(SDOS);
        all.addAll(SROS);
        all.addAll(COMMON);
        all.addAll(SCOS);
        return all;
    }

    private static String pathOf(String type) {
        if (SDOS.contains(type)) {
            return "schemas/sdos/" + type + ".json";
        }
        if (SROS.contains(type)) {
            return "schemas/sros/" + type + ".json";
        }
        if (COMMON.contains(type)) {
            return "schemas/common/" + type + ".json";
        }
        if (SCOS.contains(type)) {
            return "schemas/observables/" + type + ".json";
        }
        return "schemas/common/core.json";
    }

    private static Schema schema(String path) {
        String p = path.startsWith("schemas/") ? path : "schemas/" + path;
        return CACHE.computeIfAbsent(p, k -> REGISTRY.getSchema(SchemaLocation.of(ID_PREFIX + k)));
    }

    private static String message(Error e) {
        return e.getInstanceLocation() + " " + e.getMessage();
    }
}
