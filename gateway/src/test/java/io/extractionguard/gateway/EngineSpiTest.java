package io.extractionguard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.gateway.filter.ExtractionGuardGatewayFilterFactory;

/**
 * The gateway plugs into the engine only through the engine's SPI package: every engine type a
 * gateway class implements or extends is in {@code io.extractionguard.engine.spi}, so what an
 * adapter must provide is listed in one place.
 */
class EngineSpiTest {

    private static final String SPI = StateStore.class.getPackageName();

    @Test
    void gatewayClassesImplementEngineTypesOnlyFromTheSpiPackage() throws Exception {
        Path classes = Path.of(ExtractionGuardGatewayFilterFactory.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        ClassLoader loader = getClass().getClassLoader();
        List<String> outside = new ArrayList<>();
        Set<String> implemented = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('\\', '/').replace('/', '.')
                        .replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, loader);
                List<Class<?>> supertypes = new ArrayList<>(List.of(type.getInterfaces()));
                if (type.getSuperclass() != null) {
                    supertypes.add(type.getSuperclass());
                }
                for (Class<?> s : supertypes) {
                    if (s.getName().startsWith("io.extractionguard.engine.")) {
                        implemented.add(s.getName());
                        if (!s.getPackageName().equals(SPI)) {
                            outside.add(name + " implements " + s.getName());
                        }
                    }
                }
            }
        }
        assertThat(implemented).as("the check found the gateway's adapters").contains(SPI + ".StateStore",
                SPI + ".CampaignStore", SPI + ".RateLimiter");
        assertThat(outside).isEmpty();
    }
}
