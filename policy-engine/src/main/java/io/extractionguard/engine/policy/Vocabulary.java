package io.extractionguard.engine.policy;

import io.extractionguard.engine.action.Mode;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Names and choices shared by the section readers of a policy file, in the order error messages list them. */
final class Vocabulary {

    /** Tier and band names: lower-case letters, digits and '-'. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    static final Map<String, Mode> MODES = choices("enforce", Mode.ENFORCE, "shadow", Mode.SHADOW);

    private Vocabulary() {
    }

    /** The allowed keys of a mapping, in the order an "allowed here" message lists them. */
    static Set<String> keys(String... keys) {
        return new LinkedHashSet<>(List.of(keys));
    }

    /** Choices by their spelling in the file, from alternating name/value pairs, in order. */
    @SuppressWarnings("unchecked")
    static <V> Map<String, V> choices(Object... kv) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (V) kv[i + 1]);
        }
        return m;
    }
}
