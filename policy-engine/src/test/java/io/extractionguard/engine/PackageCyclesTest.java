package io.extractionguard.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.decision.GuardEngine;

/**
 * The engine's packages form a layered graph: no package reaches itself through others. Read from
 * the compiled classes (what the JVM links), so a fully qualified name or a Javadoc-only import
 * neither hides nor fakes a dependency.
 */
class PackageCyclesTest {

    private static final String ROOT = "io/extractionguard/engine/";
    private static final Pattern ENGINE_TYPE = Pattern.compile(Pattern.quote(ROOT) + "([a-z0-9_/]+)/[A-Z]");

    @Test
    void noEnginePackageDependsOnItselfThroughOthers() throws Exception {
        Map<String, Set<String>> graph = packageGraph();
        assertThat(graph).containsKeys("decision", "policy", "score", "campaign", "spi");
        assertThat(graph.get("decision")).as("the graph is read from the classes").contains("policy", "spi", "score");
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            List<String> path = pathBack(graph, start);
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertThat(cycles).as("package cycles (break them by moving the type the lower package needs down)").isEmpty();
    }

    @Test
    void theCheckSeesACycleWhereThereIsOne() {
        Map<String, Set<String>> graph = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertThat(pathBack(graph, "a")).containsExactly("a", "b", "c", "a");
        assertThat(pathBack(graph, "d")).isNull();
    }

    /** A path from {@code start} back to itself, or null. Breadth first, so the shortest. */
    static List<String> pathBack(Map<String, Set<String>> graph, String start) {
        Map<String, String> cameFrom = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>(graph.getOrDefault(start, Set.of()));
        graph.getOrDefault(start, Set.of()).forEach(n -> cameFrom.put(n, start));
        while (!queue.isEmpty()) {
            String node = queue.poll();
            if (node.equals(start)) {
                List<String> path = new ArrayList<>();
                String at = start;
                do {
                    path.add(0, at);
                    at = cameFrom.get(at);
                } while (!at.equals(start));
                path.add(0, start);
                return path;
            }
            for (String next : graph.getOrDefault(node, Set.of())) {
                if (!cameFrom.containsKey(next)) {
                    cameFrom.put(next, node);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    /** Package (relative to the engine root) to the engine packages its classes refer to. */
    private static Map<String, Set<String>> packageGraph() throws IOException, URISyntaxException {
        Path classes = Path.of(GuardEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes.resolve(ROOT))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String own = classes.relativize(file.getParent()).toString().replace('\\', '/')
                        .substring(ROOT.length());
                Set<String> deps = graph.computeIfAbsent(own, k -> new TreeSet<>());
                try (InputStream in = Files.newInputStream(file)) {
                    for (String text : constantPoolTexts(in)) {
                        Matcher m = ENGINE_TYPE.matcher(text);
                        while (m.find()) {
                            if (!m.group(1).equals(own)) {
                                deps.add(m.group(1));
                            }
                        }
                    }
                }
            }
        }
        return graph;
    }

    /** The UTF-8 entries of a class file's constant pool: class names, descriptors, signatures. */
    private static List<String> constantPoolTexts(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        in.readInt(); // magic
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> texts = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> texts.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return texts;
    }
}
