package io.extractionguard.gateway.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Renders a kustomize overlay exactly as {@code kubectl apply -k} does, with kustomize's default settings (load
 * restrictor on: a kustomization reads no file outside its own directory), and parses the objects with the
 * fabric8 model. kubectl is part of these machines (Debian package {@code kubectl}); a standalone
 * {@code kustomize} on the PATH works too. Without either the render fails: a check of the raw files would
 * miss the overlays' patches, the generated ConfigMaps and exactly the errors an operator would meet.
 */
final class Manifests {

    static final Path K8S = Path.of("..", "k8s");
    private static final List<List<String>> RENDERERS = List.of(List.of("kubectl", "kustomize"), List.of("kustomize", "build"));

    private Manifests() {
    }

    static List<HasMetadata> render(String overlay) throws Exception {
        for (List<String> renderer : RENDERERS) {
            List<String> command = new ArrayList<>(renderer);
            command.add(K8S.resolve(overlay).toString());
            Process p;
            try {
                p = new ProcessBuilder(command).start();
            } catch (IOException notInstalled) {
                continue;
            }
            String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + err);
            }
            return parse(yaml);
        }
        throw new AssertionError("rendering " + overlay + " needs kubectl (or kustomize) on the PATH; neither was found");
    }

    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.isBlank() || doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
                continue;
            }
            objects.add(Serialization.unmarshal(doc));
        }
        return objects;
    }

    @SuppressWarnings("unchecked")
    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return (T) objects.stream().filter(o -> type.isInstance(o) && o.getMetadata().getName().startsWith(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }
}
