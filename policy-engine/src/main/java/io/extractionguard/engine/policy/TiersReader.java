package io.extractionguard.engine.policy;

import static io.extractionguard.engine.policy.Vocabulary.NAME;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenBudget;

/** Reads the {@code tiers} section of a policy: request limits, batch handling and token budgets per tier. */
final class TiersReader {

    private static final Set<String> TIER = Vocabulary.keys("requests-per-minute", "requests-per-day", "batches",
            TokenBudgets.INPUT_PER_MINUTE, TokenBudgets.INPUT_PER_DAY, TokenBudgets.OUTPUT_PER_MINUTE,
            TokenBudgets.OUTPUT_PER_DAY, TokenBudgets.DEFAULT_OUTPUT_RESERVE);

    private TiersReader() {
    }

    /** The valid tiers by name; each tier's limited token budget goes into {@code budgets}. */
    static Map<String, TierLimits> read(YamlReader r, Node node, Map<String, TokenBudget> budgets) {
        Map<String, Node> entries = r.mapping(node, "tiers", null);
        Map<String, TierLimits> tiers = new LinkedHashMap<>();
        if (entries == null) {
            return tiers;
        }
        if (entries.isEmpty()) {
            r.error(node, "tiers", "must define at least one tier");
        }
        for (Map.Entry<String, Node> e : entries.entrySet()) {
            String path = "tiers." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                r.error(e.getValue(), path, "tier names are lower-case letters, digits and '-'");
                continue;
            }
            Map<String, Node> t = r.mapping(e.getValue(), path, TIER);
            if (t == null) {
                continue;
            }
            TierLimits limits = limits(r, e.getKey(), e.getValue(), t, path);
            if (limits != null) {
                tiers.put(e.getKey(), limits);
            }
            TokenBudget budget = TokenBudgets.read(r, t, path);
            if (budget != null && !budget.unlimited()) {
                budgets.put(e.getKey(), budget);
            }
        }
        return tiers;
    }

    /** Tier names as declared, whether or not their settings are valid (avoids cascading errors). */
    static Set<String> names(Node tiers) {
        Set<String> names = new LinkedHashSet<>();
        if (tiers instanceof MappingNode m) {
            for (var tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k) {
                    names.add(k.getValue());
                }
            }
        }
        return names;
    }

    private static TierLimits limits(YamlReader r, String name, Node node, Map<String, Node> t, String path) {
        Long perMinute = t.containsKey("requests-per-minute")
                ? r.integer(t.get("requests-per-minute"), path + ".requests-per-minute", 0, 100_000_000) : Long.valueOf(0);
        Long perDay = t.containsKey("requests-per-day")
                ? r.integer(t.get("requests-per-day"), path + ".requests-per-day", 0, 10_000_000_000L) : Long.valueOf(0);
        if (!t.containsKey("requests-per-minute") && !t.containsKey("requests-per-day")) {
            r.error(node, path, "set requests-per-minute and/or requests-per-day (0 means unlimited)");
        }
        if (perMinute == null || perDay == null) {
            return null;
        }
        if (perMinute > 0 && perDay > 0 && perDay < perMinute) {
            r.error(t.get("requests-per-day"), path + ".requests-per-day",
                    "must be at least requests-per-minute (" + perMinute + "), was " + perDay);
        }
        TierLimits.Batches batches = TierLimits.Batches.EVALUATE;
        if (t.containsKey("batches")) {
            String b = r.string(t.get("batches"), path + ".batches");
            if ("refuse".equals(b)) {
                batches = TierLimits.Batches.REFUSE;
            } else if (b != null && !"evaluate".equals(b)) {
                r.error(t.get("batches"), path + ".batches", "must be evaluate or refuse, was '" + b + "'");
            }
        }
        return new TierLimits(name, perMinute, perDay, batches);
    }
}
