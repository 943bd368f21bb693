package io.extractionguard.engine.policy;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.PhraseMatcher;

/** Reads the {@code features} section of a policy: template similarity, capability lexicons, reasoning asks. */
final class FeaturesReader {

    private static final Set<String> FEATURES = Vocabulary.keys("template-similarity", "min-capability-matches",
            "evidence-prior", "capabilities", "cot-elicitation", "opaque-content");
    private static final Set<String> OPAQUE = Vocabulary.keys("as", "min-output-tokens");
    private static final Map<String, Boolean> OPAQUE_AS = new java.util.LinkedHashMap<>();

    static {
        OPAQUE_AS.put("reasoning-ask", true);
        OPAQUE_AS.put("ordinary", false);
    }

    private FeaturesReader() {
    }

    /** The settings, or null after recording errors. */
    static FeatureSettings read(YamlReader r, Node node) {
        Map<String, Node> f = r.mapping(node, "features", FEATURES);
        if (f == null) {
            return null;
        }
        r.require(f, node, "features", "capabilities", "cot-elicitation");
        Double similarity = f.containsKey("template-similarity")
                ? r.number(f.get("template-similarity"), "features.template-similarity", 0.05, 1.0) : Double.valueOf(0.5);
        Long minMatches = f.containsKey("min-capability-matches")
                ? r.integer(f.get("min-capability-matches"), "features.min-capability-matches", 1, 20) : Long.valueOf(2);
        Double prior = f.containsKey("evidence-prior")
                ? r.number(f.get("evidence-prior"), "features.evidence-prior", 0, 1000) : Double.valueOf(4);
        Map<CapabilityArea, List<String>> lexicons = f.containsKey("capabilities")
                ? capabilities(r, f.get("capabilities")) : new EnumMap<>(CapabilityArea.class);
        List<String> cot = f.containsKey("cot-elicitation")
                ? phrases(r, f.get("cot-elicitation"), "features.cot-elicitation") : List.of();
        FeatureSettings.OpaqueContent opaque = f.containsKey("opaque-content")
                ? opaqueContent(r, f.get("opaque-content")) : FeatureSettings.OpaqueContent.DEFAULT;
        if (similarity == null || minMatches == null || prior == null || cot == null || opaque == null) {
            return null;
        }
        return new FeatureSettings(similarity, minMatches.intValue(), prior, lexicons, cot, opaque);
    }

    /** {@code opaque-content: { as: reasoning-ask | ordinary, min-output-tokens: N }}, or null after errors. */
    private static FeatureSettings.OpaqueContent opaqueContent(YamlReader r, Node node) {
        String path = "features.opaque-content";
        Map<String, Node> o = r.mapping(node, path, OPAQUE);
        if (o == null) {
            return null;
        }
        FeatureSettings.OpaqueContent d = FeatureSettings.OpaqueContent.DEFAULT;
        Boolean ask = o.containsKey("as")
                ? r.choice(o.get("as"), path + ".as", OPAQUE_AS)
                : Boolean.valueOf(d.asReasoningAsk());
        Long tokens = o.containsKey("min-output-tokens")
                ? r.integer(o.get("min-output-tokens"), path + ".min-output-tokens", 0, 10_000_000)
                : Long.valueOf(d.minOutputTokens());
        return ask == null || tokens == null ? null : new FeatureSettings.OpaqueContent(ask, tokens);
    }

    /** The valid lexicons by capability area; an invalid one is left out (its errors are recorded). */
    private static Map<CapabilityArea, List<String>> capabilities(YamlReader r, Node node) {
        Map<CapabilityArea, List<String>> lexicons = new EnumMap<>(CapabilityArea.class);
        Set<String> areaIds = new LinkedHashSet<>();
        for (CapabilityArea a : CapabilityArea.values()) {
            areaIds.add(a.id());
        }
        Map<String, Node> areas = r.mapping(node, "features.capabilities", areaIds);
        if (areas != null) {
            for (Map.Entry<String, Node> e : areas.entrySet()) {
                String path = "features.capabilities." + e.getKey();
                List<String> phrases = phrases(r, e.getValue(), path);
                if (phrases != null) {
                    lexicons.put(CapabilityArea.byId(e.getKey()).orElseThrow(), phrases);
                }
            }
        }
        return lexicons;
    }

    /** A lexicon: non-empty, each phrase with at least one word, no duplicates after normalisation. */
    private static List<String> phrases(YamlReader r, Node node, String path) {
        List<String> phrases = r.strings(node, path);
        if (phrases == null) {
            return null;
        }
        if (phrases.isEmpty()) {
            r.error(node, path, "must list at least one phrase");
        }
        Set<String> seen = new HashSet<>();
        List<Node> items = ((SequenceNode) node).getValue();
        for (int i = 0; i < phrases.size() && i < items.size(); i++) {
            String phrase = phrases.get(i);
            if (PhraseMatcher.tokenCount(phrase) == 0) {
                r.error(items.get(i), path + "[" + i + "]", "'" + phrase + "' contains no letters or digits");
            } else if (!seen.add(PhraseMatcher.canonical(phrase))) {
                r.error(items.get(i), path + "[" + i + "]", "'" + phrase + "' is listed twice");
            }
        }
        return phrases;
    }
}
