package io.extractionguard.gateway.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Renders a kustomize overlay with {@code kubectl kustomize} (available on these machines) and parses
 * the objects with the fabric8 model. Where kubectl is missing, the base's resource files are parsed
 * directly, which checks everything but the overlays' patches.
 */
final class Manifests {

    static final Path K8S = Path.of("..", "k8s");

    private Manifests() {
    }

    static boolean kubectlAvailable() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static List<HasMetadata> render(String overlay) throws Exception {
        if (!kubectlAvailable()) {
            return baseFilesDirectly();
        }
        Process p = new ProcessBuilder("kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone",
                K8S.resolve(overlay).toString()).redirectErrorStream(false).start();
        String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("kubectl kustomize " + overlay + " failed: " + err);
        }
        return parse(yaml);
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

    private static List<HasMetadata> baseFilesDirectly() throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (String file : List.of("serviceaccount.yaml", "deployment.yaml", "service.yaml", "networkpolicy.yaml", "pdb.yaml",
                "hpa.yaml", "podmonitor.yaml")) {
            objects.addAll(parse(Files.readString(K8S.resolve("base").resolve(file))));
        }
        return objects;
    }

    @SuppressWarnings("unchecked")
    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return (T) objects.stream().filter(o -> type.isInstance(o) && o.getMetadata().getName().startsWith(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }
}
