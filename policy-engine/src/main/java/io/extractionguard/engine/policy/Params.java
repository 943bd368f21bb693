package io.extractionguard.engine.policy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.score.SignalKind.ParamSpec;

/** Reads the typed parameters of a signal or an indicator, filling in defaults. */
final class Params {

    private Params() {
    }

    /**
     * Reads every parameter of {@code specs} from {@code entries} (default when absent) into {@code out}.
     *
     * @return false when a value was invalid (the error is recorded)
     */
    static boolean read(YamlReader r, Map<String, Node> entries, String path, List<ParamSpec> specs,
                        Map<String, Double> out) {
        boolean ok = true;
        for (ParamSpec p : specs) {
            Double v = p.defaultValue();
            if (entries.containsKey(p.name())) {
                v = switch (p.type()) {
                    case DURATION -> {
                        Duration d = r.duration(entries.get(p.name()), path + "." + p.name());
                        yield d == null ? null : (double) d.toMillis();
                    }
                    default -> r.number(entries.get(p.name()), path + "." + p.name(), p.min(), p.max());
                };
            }
            if (v == null) {
                ok = false;
            } else {
                out.put(p.name(), v);
            }
        }
        return ok;
    }
}
