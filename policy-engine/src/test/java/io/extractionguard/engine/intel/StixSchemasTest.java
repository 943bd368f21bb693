package io.extractionguard.engine.intel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The schema check itself: it must fail on what the OASIS schemas forbid, or the other tests prove nothing. */
class StixSchemasTest {

    @Test
    void rejectsNanosecondFreeFormTimestampsAndMissingRequiredProperties() {
        JsonNode ok = StixBundles.JSON.readTree("""
                {"type":"identity","spec_version":"2.1","id":"identity--0c8d2a3e-5b1f-4f6a-9c2d-1e2f3a4b5c6d",
                 "created":"2026-03-02T14:07:55.000Z","modified":"2026-03-02T14:07:55.000Z","name":"Lab"}""");
        assertThat(StixSchemas.violationsOf(ok)).isEmpty();
        ObjectNode offset = (ObjectNode) ok.deepCopy();
        offset.put("created", "2026-03-02T14:07:55+01:00");
        assertThat(StixSchemas.violationsOf(offset)).isNotEmpty();
        ObjectNode noName = (ObjectNode) ok.deepCopy();
        noName.remove("name");
        assertThat(StixSchemas.violationsOf(noName)).isNotEmpty();
        ObjectNode badId = (ObjectNode) ok.deepCopy();
        badId.put("id", "identity--not-a-uuid");
        assertThat(StixSchemas.violationsOf(badId)).isNotEmpty();
    }
}
