package io.extractionguard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * {@link UsageJson.Path} resolves a JSON path step by step without building its string; these
 * tests hold it to the string rule it replaces ({@code parent.name}, {@code parent[]}, the top
 * level "") for every path of up to five steps over names that matter, names that do not, and
 * names containing dots and brackets.
 */
class UsageJsonPathTest {

    private static final Set<String> CHOICES = UsageJson.CHOICES_PATH;
    private static final Set<String> USAGE = UsageJson.USAGE_PATHS;
    private static final Set<String> TEXT = UsageJson.TEXT_PATHS;
    private static final Set<String> TEXT_CONTAINERS = UsageJson.TEXT_CONTAINERS;

    /** A step: a property name, or null for an array element. */
    private static final List<String> STEPS = List.of("choices", "delta", "text", "usage", "message", "content",
            "tool_calls", "function", "arguments", "output", "response", "other", "", "delta.text", "choices[]",
            "choices[].delta", "message.usage", "choices[", "]");

    private static String join(String parent, String step) {
        if (step == null) {
            return parent + "[]";
        }
        return parent.isEmpty() ? step : parent + "." + step;
    }

    private static void assertSame(String path, UsageJson.Path node) {
        assertThat(node.choices).as("choices at %s", path).isEqualTo(CHOICES.contains(path));
        assertThat(node.usage).as("usage at %s", path).isEqualTo(USAGE.contains(path));
        assertThat(node.text).as("text at %s", path).isEqualTo(TEXT.contains(path));
        assertThat(node.textContainer).as("text container at %s", path).isEqualTo(TEXT_CONTAINERS.contains(path));
    }

    private int walk(UsageJson.Path root, String path, UsageJson.Path node, int steps) {
        assertSame(path, node);
        if (steps == 0) {
            return 1;
        }
        int n = 1;
        List<String> next = new ArrayList<>(STEPS);
        next.add(null);
        for (String step : next) {
            UsageJson.Path child = step == null ? node.element() : node.child(step);
            n += walk(root, join(path, step), child, steps - 1);
        }
        return n;
    }

    @Test
    void everyPathOfUpToFiveStepsGetsTheFlagsOfItsJoinedString() {
        UsageJson.Path root = UsageJson.Path.tree(CHOICES, USAGE, TEXT, TEXT_CONTAINERS);
        int paths = walk(root, "", root, 5);
        assertThat(paths).isGreaterThan(3_000_000);
    }

    @Test
    void everyPathLookedAtIsReachedAndAnUnrelatedNameLeadsNowhere() {
        UsageJson.Path root = UsageJson.Path.tree(CHOICES, USAGE, TEXT, TEXT_CONTAINERS);
        UsageJson.Path arguments = root.child("choices").element().child("delta").child("tool_calls").element()
                .child("function").child("arguments");
        assertThat(arguments.text).isTrue();
        assertThat(root.child("message").child("usage").usage).isTrue();
        assertThat(root.child("output").element().child("content").element().textContainer).isTrue();
        UsageJson.Path other = root.child("metadata");
        assertThat(other).isSameAs(UsageJson.Path.OTHER);
        assertThat(other.child("usage")).isSameAs(UsageJson.Path.OTHER);
        assertThat(other.element()).isSameAs(UsageJson.Path.OTHER);
    }
}
