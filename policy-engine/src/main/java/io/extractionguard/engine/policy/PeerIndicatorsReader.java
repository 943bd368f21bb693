package io.extractionguard.engine.policy;

import io.extractionguard.engine.action.Mode;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.intel.Tlp;

/** Reads the {@code peer-indicators} section of a policy: how imported indicators weigh on the score. */
final class PeerIndicatorsReader {

    private static final Set<String> PEER_INDICATORS = Vocabulary.keys("weight", "min-confidence", "mode", "export-tlp");
    private static final Map<String, Tlp> TLPS = Vocabulary.choices("clear", Tlp.CLEAR, "green", Tlp.GREEN,
            "amber", Tlp.AMBER, "amber+strict", Tlp.AMBER_STRICT, "red", Tlp.RED);

    private PeerIndicatorsReader() {
    }

    /** The settings, or null after recording errors. */
    static PeerIndicatorSettings read(YamlReader r, Node node) {
        Map<String, Node> m = r.mapping(node, "peer-indicators", PEER_INDICATORS);
        if (m == null) {
            return null;
        }
        r.require(m, node, "peer-indicators", "weight");
        Double weight = m.containsKey("weight") ? r.number(m.get("weight"), "peer-indicators.weight", 0, 100) : null;
        Long min = m.containsKey("min-confidence")
                ? r.integer(m.get("min-confidence"), "peer-indicators.min-confidence", 0, 100) : Long.valueOf(50);
        Mode mode = m.containsKey("mode")
                ? r.choice(m.get("mode"), "peer-indicators.mode", Vocabulary.MODES) : Mode.ENFORCE;
        Tlp tlp = m.containsKey("export-tlp")
                ? r.choice(m.get("export-tlp"), "peer-indicators.export-tlp", TLPS) : Tlp.AMBER;
        return weight == null || min == null || mode == null || tlp == null ? null
                : new PeerIndicatorSettings(weight, min.intValue(), mode, tlp);
    }
}
