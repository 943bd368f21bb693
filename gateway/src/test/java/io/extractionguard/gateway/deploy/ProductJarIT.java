package io.extractionguard.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipInputStream;

import org.junit.jupiter.api.Test;

/**
 * The product jar (what the image runs) holds no demo, load-test or benchmark code: not as classes, not as a
 * nested library. The gateway's tests forward to the demo backend, so it is a test-scoped dependency, and
 * this check is what stops it from drifting back into the runtime graph. Runs after {@code package}
 * (surefire execution {@code product-jar} in the gateway's pom), on the jar that was just built.
 */
class ProductJarIT {

    static final Path JAR = Path.of("target", "extraction-guard-gateway.jar");
    static final List<String> NOT_IN_PRODUCT = List.of("io/extractionguard/demo/", "io/extractionguard/loadtest/",
            "io/extractionguard/bench/");

    @Test
    void productJarHoldsNoDemoLoadTestOrBenchmarkCode() throws IOException {
        assertThat(JAR).exists();
        List<String> entries = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (JarEntry e : jar.stream().toList()) {
                entries.add(e.getName());
                if (e.getName().startsWith("BOOT-INF/lib/") && e.getName().endsWith(".jar")) {
                    try (InputStream in = jar.getInputStream(e)) {
                        entries.addAll(nested(e.getName(), in));
                    }
                }
            }
        }
        // the right jar: the gateway's classes and the engine it runs are in it
        assertThat(entries).contains("BOOT-INF/classes/io/extractionguard/gateway/GatewayApplication.class")
                .anyMatch(n -> n.matches("BOOT-INF/lib/policy-engine-.*\\.jar"));
        assertThat(entries).noneMatch(n -> n.matches("BOOT-INF/lib/(demo-backend|loadtest|jmh-benchmarks|bench)-.*"))
                .noneMatch(n -> NOT_IN_PRODUCT.stream().anyMatch(n::contains));
    }

    /** Entry names of a library nested in the Boot jar, prefixed with the library's own name. */
    private static List<String> nested(String lib, InputStream in) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.add(lib + "!/" + e.getName());
            }
        }
        return names;
    }

    @Test
    void imageBuildCopiesNothingButTheProduct() throws IOException {
        List<String> copies = Files.readAllLines(Path.of("..", "Dockerfile")).stream()
                .filter(l -> l.startsWith("COPY ") && !l.contains("--from=")).toList();
        assertThat(copies).isNotEmpty().noneMatch(l -> l.contains("loadtest"));
    }
}
