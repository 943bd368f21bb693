package io.extractionguard.engine.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a composed YAML node tree into plain values, collecting every problem with its line and
 * path instead of stopping at the first. Methods return null after recording an error, so callers
 * can keep reading siblings and report them all.
 */
final class YamlReader {

    private final String file;
    private final List<PolicyError> errors = new ArrayList<>();

    YamlReader(String file) {
        this.file = file;
    }

    List<PolicyError> errors() {
        return errors;
    }

    void error(Node node, String path, String message) {
        int line = node == null ? 0 : node.getStartMark().getLine() + 1;
        errors.add(new PolicyError(file, line, path, message));
    }

    void error(int line, String path, String message) {
        errors.add(new PolicyError(file, line, path, message));
    }

    /**
     * The entries of a mapping, in file order. Unknown keys (not in {@code allowed}, unless it is
     * null) and duplicate keys are errors; so is a node that is not a mapping.
     */
    Map<String, Node> mapping(Node node, String path, Set<String> allowed) {
        if (!(node instanceof MappingNode mapping)) {
            error(node, path, "must be a mapping (key: value pairs), was " + describe(node));
            return null;
        }
        Map<String, Node> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                error(keyNode, path, "keys must be plain names");
                continue;
            }
            String key = scalarKey.getValue();
            String keyPath = join(path, key);
            if (entries.containsKey(key)) {
                error(keyNode, keyPath, "duplicate key (first defined on line "
                        + (entries.get(key).getStartMark().getLine() + 1) + ")");
                continue;
            }
            if (allowed != null && !allowed.contains(key)) {
                error(keyNode, keyPath, "unknown key" + suggestion(key, allowed)
                        + "; allowed here: " + String.join(", ", allowed));
                continue;
            }
            entries.put(key, tuple.getValueNode());
        }
        return entries;
    }

    /** Reports every key of {@code required} missing from {@code entries}. */
    void require(Map<String, Node> entries, Node parent, String path, String... required) {
        for (String key : required) {
            if (!entries.containsKey(key)) {
                error(parent, path.isEmpty() ? key : join(path, key), "required key is missing");
            }
        }
    }

    String string(Node node, String path) {
        if (!(node instanceof ScalarNode scalar) || scalar.getTag().equals(Tag.NULL)) {
            error(node, path, "must be a non-empty string, was " + describe(node));
            return null;
        }
        String value = scalar.getValue().trim();
        if (value.isEmpty()) {
            error(node, path, "must not be empty");
            return null;
        }
        return value;
    }

    Double number(Node node, String path, double min, double max) {
        String text = string(node, path);
        if (text == null) {
            return null;
        }
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            error(node, path, "must be a number, was '" + text + "'");
            return null;
        }
        if (Double.isNaN(value) || value < min || value > max) {
            error(node, path, "must be between " + format(min) + " and " + format(max) + ", was " + text);
            return null;
        }
        return value;
    }

    Long integer(Node node, String path, long min, long max) {
        String text = string(node, path);
        if (text == null) {
            return null;
        }
        long value;
        try {
            value = Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            error(node, path, "must be a whole number, was '" + text + "'");
            return null;
        }
        if (value < min || value > max) {
            error(node, path, "must be between " + min + " and " + max + ", was " + text);
            return null;
        }
        return value;
    }

    /** Durations like {@code 500ms}, {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, or ISO-8601 ({@code PT1H}). */
    Duration duration(Node node, String path) {
        String text = string(node, path);
        if (text == null) {
            return null;
        }
        Optional<Duration> d = Durations.parse(text);
        if (d.isPresent()) {
            return d.get();
        }
        error(node, path, "must be a positive duration such as 90s, 30m, 24h or 7d, was '" + text + "'");
        return null;
    }

    /** A sequence of non-empty strings; an empty list is allowed. */
    List<String> strings(Node node, String path) {
        if (!(node instanceof SequenceNode seq)) {
            error(node, path, "must be a list, was " + describe(node));
            return null;
        }
        List<String> values = new ArrayList<>();
        int i = 0;
        for (Node item : seq.getValue()) {
            String s = string(item, path + "[" + i + "]");
            if (s != null) {
                values.add(s);
            }
            i++;
        }
        return values;
    }

    List<Node> sequence(Node node, String path) {
        if (!(node instanceof SequenceNode seq)) {
            error(node, path, "must be a list, was " + describe(node));
            return null;
        }
        return seq.getValue();
    }

    <E> E choice(Node node, String path, Map<String, E> choices) {
        String text = string(node, path);
        if (text == null) {
            return null;
        }
        E value = choices.get(text);
        if (value == null) {
            value = choices.get(text.toLowerCase(Locale.ROOT));
        }
        if (value == null) {
            error(node, path, "must be one of " + String.join(", ", choices.keySet()) + ", was '" + text + "'"
                    + suggestion(text, choices.keySet()));
        }
        return value;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String describe(Node node) {
        if (node == null) {
            return "nothing";
        }
        if (node instanceof ScalarNode s) {
            return s.getTag().equals(Tag.NULL) ? "empty" : "'" + abbreviate(s.getValue()) + "'";
        }
        return node instanceof SequenceNode ? "a list" : "a mapping";
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** " (did you mean 'x'?)" for a close match (edit distance ≤ 2), else "". */
    static String suggestion(String given, Iterable<String> candidates) {
        String best = null;
        int bestDistance = 3;
        for (String c : candidates) {
            int d = distance(given.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best == null || best.equals(given) ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
