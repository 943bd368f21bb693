package io.extractionguard.engine.policy;

import io.extractionguard.engine.action.Mode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.score.Signal;
import io.extractionguard.engine.score.SignalKind;

/** Reads the {@code signals} section of a policy: each signal's weight, mode and typed parameters. */
final class SignalsReader {

    private SignalsReader() {
    }

    /** The valid signals in file order; an invalid one is left out (its errors are recorded). */
    static List<Signal> read(YamlReader r, Node node) {
        Set<String> ids = new LinkedHashSet<>();
        for (SignalKind k : SignalKind.values()) {
            ids.add(k.id());
        }
        Map<String, Node> entries = r.mapping(node, "signals", ids);
        List<Signal> signals = new ArrayList<>();
        if (entries == null) {
            return signals;
        }
        for (Map.Entry<String, Node> e : entries.entrySet()) {
            Signal signal = signal(r, SignalKind.byId(e.getKey()).orElseThrow(), e.getValue(), "signals." + e.getKey());
            if (signal != null) {
                signals.add(signal);
            }
        }
        return signals;
    }

    private static Signal signal(YamlReader r, SignalKind kind, Node node, String path) {
        Set<String> allowed = Vocabulary.keys("weight", "mode");
        for (SignalKind.ParamSpec p : kind.params()) {
            allowed.add(p.name());
        }
        Map<String, Node> s = r.mapping(node, path, allowed);
        if (s == null) {
            return null;
        }
        r.require(s, node, path, "weight");
        Double weight = s.containsKey("weight") ? r.number(s.get("weight"), path + ".weight", 0, 100) : null;
        Mode mode = s.containsKey("mode") ? r.choice(s.get("mode"), path + ".mode", Vocabulary.MODES) : Mode.ENFORCE;
        Map<String, Double> params = new HashMap<>();
        boolean ok = Params.read(r, s, path, kind.params(), params) && weight != null && mode != null;
        for (SignalKind.ParamSpec spec : kind.params()) { // every "…low" / "…high" pair: low < high
            if (!spec.name().endsWith("low")) {
                continue;
            }
            String low = spec.name();
            String high = low.substring(0, low.length() - 3) + "high";
            if (params.containsKey(low) && params.containsKey(high) && params.get(low) >= params.get(high)) {
                r.error(s.getOrDefault(high, node), path + "." + high,
                        "must be greater than " + low + " (" + params.get(low) + "), was " + params.get(high));
                ok = false;
            }
        }
        return ok ? kind.create(weight, mode, params) : null;
    }
}
