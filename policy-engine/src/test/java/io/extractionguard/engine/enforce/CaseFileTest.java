package io.extractionguard.engine.enforce;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class CaseFileTest {

    private final JsonMapper json = JsonMapper.builder().build();

    private static KeyPair key() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private ObjectNode content() {
        return (ObjectNode) json.readTree("""
                {"id":"case-1","accounts":[{"account":"acct-a","paymentFingerprint":"pf-1"},{"account":"acct-b"}],
                 "harvested":{"requests":412,"outputTokensEstimate":1650001,
                   "byCapabilityArea":{"coding":{"requests":300,"outputTokensEstimate":1400000},"reasoning":{"requests":90,"outputTokensEstimate":250001}}},"policyVersions":["2026-11-28.2 (3ad1d910b713)"],
                 "timeline":[{"at":"2026-12-07T10:00:00Z","event":"decision","action":"CHALLENGE"}],"released":null,"flag":true}""");
    }

    @Test
    void aSignedCaseVerifiesOfflineEvenReformattedAndAnyEditFails() throws Exception {
        KeyPair key = key();
        ObjectNode file = CaseFile.sign(content(), key);
        byte[] pretty = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(file);
        assertThat(CaseFile.verify(pretty, Optional.of(key.getPublic())).valid()).isTrue();
        assertThat(CaseFile.verify(json.writeValueAsBytes(file), Optional.empty()).message()).contains("integrity only");

        // every leaf changed, every member removed, one member added: each fails
        List<JsonNode> edits = new ArrayList<>();
        walk(file, List.of("case"), edits);
        assertThat(edits).hasSizeGreaterThan(15);
        for (JsonNode edited : edits) {
            CaseFile.Verification v = CaseFile.verify(json.writeValueAsBytes(edited), Optional.of(key.getPublic()));
            assertThat(v.valid()).as("edited: %s", edited.get("case")).isFalse();
            assertThat(v.message()).contains("the case was changed");
        }
    }

    /** Copies of {@code file}, each with one edit at or under {@code at}. */
    private void walk(ObjectNode file, List<Object> at, List<JsonNode> out) {
        JsonNode node = get(file, at);
        if (node.isObject()) {
            for (String name : new ArrayList<>(node.propertyNames())) {
                ObjectNode removed = file.deepCopy();
                ((ObjectNode) get(removed, at)).remove(name);
                out.add(removed);
                List<Object> child = new ArrayList<>(at);
                child.add(name);
                walk(file, child, out);
            }
            ObjectNode added = file.deepCopy();
            ((ObjectNode) get(added, at)).put("note", "added later");
            out.add(added);
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                List<Object> child = new ArrayList<>(at);
                child.add(i);
                walk(file, child, out);
            }
        } else {
            ObjectNode changed = file.deepCopy();
            JsonNode parent = get(changed, at.subList(0, at.size() - 1));
            Object last = at.get(at.size() - 1);
            JsonNode replacement = node.isNumber() ? json.getNodeFactory().numberNode(node.asDouble() + 1)
                    : node.isBoolean() ? json.getNodeFactory().booleanNode(!node.asBoolean())
                    : node.isNull() ? json.getNodeFactory().textNode("x")
                    : json.getNodeFactory().textNode(node.asString() + " ");
            if (parent instanceof ObjectNode o) {
                o.set((String) last, replacement);
            } else {
                ((ArrayNode) parent).set((Integer) last, replacement);
            }
            out.add(changed);
        }
    }

    private static JsonNode get(JsonNode root, List<Object> at) {
        JsonNode n = root;
        for (Object step : at) {
            n = step instanceof Integer i ? n.get(i) : n.get((String) step);
        }
        return n;
    }

    @Test
    void aFileReSignedWithAnotherKeyFailsAgainstThePinnedKey() throws Exception {
        KeyPair publisher = key();
        ObjectNode forged = content();
        forged.put("id", "case-forged");
        byte[] file = json.writeValueAsBytes(CaseFile.sign(forged, key()));
        assertThat(CaseFile.verify(file, Optional.empty()).valid()).as("self-consistent").isTrue();
        CaseFile.Verification v = CaseFile.verify(file, Optional.of(publisher.getPublic()));
        assertThat(v.valid()).isFalse();
        assertThat(v.message()).contains("not the pinned key");
        assertThat(CaseFile.verify("{}".getBytes(StandardCharsets.UTF_8), Optional.empty()).valid()).isFalse();
    }
}
