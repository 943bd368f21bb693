package io.extractionguard.engine.intel;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes this engine's campaign evidence as a STIX 2.1 bundle that validates against the OASIS
 * schemas: the TLP 2.0 marking definition applied to every object, the producer's identity, one
 * campaign for the producer's distillation activity, and per piece of evidence an indicator, the
 * relationship saying it indicates the campaign and a sighting by the producer (first and last seen,
 * count). Ids are derived from content, so a re-export updates objects in a peer's store: an
 * object's {@code created} never changes, its {@code modified} moves when its content does.
 */
public final class StixExport {

    /**
     * {@code created}/{@code modified} of the producer identity and {@code created} of its campaign:
     * their ids derive from the producer's name, so the identity's content never changes, and the
     * campaign's first version is dated before any evidence it can hold.
     */
    static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private StixExport() {
    }

    /** The bundle for {@code evidence} produced by {@code producer}, every object marked {@code tlp}. */
    public static String bundle(String producer, Tlp tlp, List<SharedEvidence> evidence) {
        ObjectNode bundle = StixBundles.JSON.createObjectNode();
        bundle.put("type", "bundle");
        bundle.put("id", "bundle--" + UUID.randomUUID());
        ArrayNode objects = bundle.putArray("objects");
        marking(objects.addObject(), tlp);
        String producerId = "identity--" + uuid("extraction-guard:" + producer);
        sdo(objects.addObject(), "identity", producerId, EPOCH, EPOCH, null, tlp)
                .put("name", producer).put("identity_class", "organization");
        if (evidence.isEmpty()) {
            return write(bundle);
        }
        String campaignId = "campaign--" + uuid("extraction-guard:campaign:" + producer);
        Instant first = evidence.stream().map(e -> e.indicator().validFrom()).min(Instant::compareTo).orElseThrow();
        Instant last = evidence.stream().map(SharedEvidence::lastSeen).max(Instant::compareTo).orElseThrow();
        sdo(objects.addObject(), "campaign", campaignId, EPOCH, max(EPOCH, last), producerId, tlp)
                .put("name", "Model distillation activity seen by " + producer)
                .put("description", "Accounts linked by cross-account correlation harvesting model outputs "
                        + "(templated, capability-focused prompts asking for full reasoning)")
                .put("objective", "Extract model capabilities by distillation")
                .put("first_seen", StixTime.format(StixTime.millis(first)))
                .put("last_seen", StixTime.format(max(StixTime.millis(first), StixTime.millis(last))));
        for (SharedEvidence e : evidence) {
            Indicator ind = e.indicator();
            Instant created = StixTime.millis(ind.validFrom());
            Instant modified = max(created, StixTime.millis(e.lastSeen()));
            ObjectNode o = sdo(objects.addObject(), "indicator", ind.id(), created, modified, producerId, tlp);
            o.put("name", ind.name().isBlank() ? StixBundles.describe(ind.kind()) : ind.name())
                    .put("pattern", StixBundles.pattern(ind)).put("pattern_type", "stix").put("pattern_version", "2.1")
                    .put("valid_from", StixTime.format(created))
                    .put("confidence", ind.confidence());
            if (ind.validUntil() != null && StixTime.millis(ind.validUntil()).isAfter(created)) {
                o.put("valid_until", StixTime.format(StixTime.millis(ind.validUntil())));
            }
            o.putArray("indicator_types").add("malicious-activity");
            o.putArray("labels").add("model-distillation");
            sdo(objects.addObject(), "relationship", "relationship--" + uuid(ind.id() + "|indicates|" + campaignId),
                    created, created, producerId, tlp)
                    .put("relationship_type", "indicates").put("source_ref", ind.id()).put("target_ref", campaignId);
            ObjectNode s = sdo(objects.addObject(), "sighting", "sighting--" + uuid(ind.id() + "|sighted-by|" + producerId),
                    created, modified, producerId, tlp);
            s.put("sighting_of_ref", ind.id()).put("first_seen", StixTime.format(created))
                    .put("last_seen", StixTime.format(modified)).put("count", Math.min(e.sightings(), 999_999_999L));
            s.putArray("where_sighted_refs").add(producerId);
        }
        return write(bundle);
    }

    private static ObjectNode sdo(ObjectNode o, String type, String id, Instant created, Instant modified,
                                  String createdBy, Tlp tlp) {
        o.put("type", type).put("spec_version", "2.1").put("id", id)
                .put("created", StixTime.format(created)).put("modified", StixTime.format(modified));
        if (createdBy != null) {
            o.put("created_by_ref", createdBy);
        }
        o.putArray("object_marking_refs").add(tlp.markingId());
        return o;
    }

    /** The OASIS TLP 2.0 marking definition, as published (a peer's tools know it by its id). */
    private static void marking(ObjectNode o, Tlp tlp) {
        o.put("type", "marking-definition").put("spec_version", "2.1").put("id", tlp.markingId())
                .put("created_by_ref", Tlp.CREATOR).put("created", Tlp.CREATED).put("name", tlp.displayName());
        o.putObject("extensions").putObject(Tlp.EXTENSION)
                .put("extension_type", "property-extension").put("tlp_2_0", tlp.label());
    }

    private static String uuid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String write(ObjectNode bundle) {
        return StixBundles.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(bundle);
    }
}
