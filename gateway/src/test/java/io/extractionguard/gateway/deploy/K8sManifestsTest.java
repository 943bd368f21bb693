package io.extractionguard.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * The invariants of the sidecar deployment, on every rendered overlay: the guard as a native sidecar in
 * front of a model server that listens on localhost only, only the guard's port exposed, probes on the
 * application's real health groups, the policies ConfigMap matching the file the app reads, secrets
 * from Secrets, a locked-down security context. (That the probe paths answer and the dashboard's
 * metrics exist is checked against a running application in {@link DeploymentAgainstApplicationTest}.)
 */
class K8sManifestsTest {

    static final List<String> OVERLAYS = List.of("overlays/dev", "overlays/prod");

    @TestFactory
    Stream<DynamicTest> everyOverlayKeepsTheDeploymentInvariants() {
        return OVERLAYS.stream().map(overlay -> DynamicTest.dynamicTest(overlay, () -> check(Manifests.render(overlay))));
    }

    static void check(List<HasMetadata> objects) throws Exception {
        Deployment deployment = Manifests.one(objects, Deployment.class, "model-api");
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();

        // the guard is a native sidecar: an init container that keeps running
        Container guard = pod.getInitContainers().stream().filter(c -> c.getName().equals("extraction-guard"))
                .findFirst().orElseThrow();
        assertThat(guard.getRestartPolicy()).isEqualTo("Always");
        Map<String, Integer> ports = guard.getPorts().stream()
                .collect(Collectors.toMap(p -> p.getName(), p -> p.getContainerPort()));
        assertThat(ports).containsEntry("http", 8080).containsEntry("management", 8081);

        // the model server listens on localhost only, where the guard forwards
        Container model = pod.getContainers().stream().filter(c -> c.getName().equals("model-server")).findFirst().orElseThrow();
        assertThat(String.join(" ", model.getArgs())).contains("--host 127.0.0.1", "--port 8000");
        assertThat(model.getPorts()).as("the model server publishes no port").isNullOrEmpty();
        assertThat(env(guard)).containsEntry("GUARD_UPSTREAM_URI", "http://127.0.0.1:8000");
        // the guard's image is the product alone: no container runs demo code from it
        assertThat(model.getImage()).isNotEqualTo(guard.getImage());

        // only the guard's port is exposed by the Service
        Service service = Manifests.one(objects, Service.class, "model-api");
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
        NetworkPolicy policy = Manifests.one(objects, NetworkPolicy.class, "model-api");
        assertThat(policy.getSpec().getIngress()).flatExtracting(r -> r.getPorts())
                .extracting(p -> p.getPort().getIntVal()).containsOnly(8080, 8081);
        // the traffic port only from the edge's namespaces: every other pod sits in the trusted pod network
        // and could set the identity headers (red team 2026-12-08: 26 of 30 answered, vs 6 of 20 as itself)
        assertThat(policy.getSpec().getIngress()).allSatisfy(rule -> assertThat(rule.getFrom())
                .as("an ingress rule without a source admits every pod").isNotEmpty());
        assertThat(policy.getSpec().getIngress())
                .filteredOn(r -> r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 8080)).singleElement()
                .satisfies(r -> assertThat(r.getFrom()).singleElement().satisfies(peer -> {
                    assertThat(peer.getIpBlock()).isNull();
                    assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .containsExactly(Map.entry("extraction-guard.io/edge", "true"));
                }));

        // probes on the actuator health groups, on the management port
        assertThat(guard.getLivenessProbe().getHttpGet().getPath()).isEqualTo(DeploymentAgainstApplicationTest.LIVENESS);
        assertThat(guard.getReadinessProbe().getHttpGet().getPath()).isEqualTo(DeploymentAgainstApplicationTest.READINESS);
        assertThat(guard.getStartupProbe().getHttpGet().getPath()).isEqualTo(DeploymentAgainstApplicationTest.READINESS);
        assertThat(guard.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");

        // the policies ConfigMap holds config/policies/default.yaml byte for byte (the file the app and CLI read)
        // and is mounted where GUARD_POLICY_PATH points; the dashboard ConfigMap holds the dashboard
        ConfigMap policies = Manifests.one(objects, ConfigMap.class, "extraction-guard-policies");
        assertThat(policies.getData()).containsOnlyKeys("default.yaml");
        assertThat(policies.getData().get("default.yaml"))
                .isEqualTo(Files.readString(Manifests.K8S.resolve("../config/policies/default.yaml")));
        ConfigMap dashboard = Manifests.one(objects, ConfigMap.class, "extraction-guard-dashboard");
        assertThat(dashboard.getData().get("extraction-guard.json"))
                .isEqualTo(Files.readString(Manifests.K8S.resolve("dashboards/extraction-guard.json")));
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        VolumeMount mount = guard.getVolumeMounts().stream().filter(m -> m.getName().equals("policies")).findFirst().orElseThrow();
        assertThat(env(guard).get("GUARD_POLICY_PATH")).isEqualTo(mount.getMountPath() + "/default.yaml");
        assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getConfigMap().getName()).startsWith("extraction-guard-policies"));

        // secrets come from Secrets, never literals
        for (String secretEnv : List.of("GUARD_IDENTITY_CREDENTIAL_HASH_KEY", "GUARD_CHALLENGE_HMAC_KEY", "GUARD_ADMIN_TOKEN",
                "GUARD_REDIS_PASSWORD")) {
            EnvVar var = guard.getEnv().stream().filter(e -> e.getName().equals(secretEnv)).findFirst().orElseThrow();
            assertThat(var.getValue()).isNull();
            assertThat(var.getValueFrom().getSecretKeyRef()).isNotNull();
        }

        // operators come from the Secret mounted where the config import points
        VolumeMount operators = guard.getVolumeMounts().stream().filter(m -> m.getName().equals("operators")).findFirst()
                .orElseThrow();
        assertThat(env(guard).get("SPRING_CONFIG_IMPORT"))
                .isEqualTo("optional:file:" + operators.getMountPath() + "/" + DeploymentAgainstApplicationTest.OPERATORS_FILE);
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(operators.getName())).singleElement()
                .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("extraction-guard-operators"));

        // security context: non-root, read-only root filesystem, no escalation, no capabilities
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        for (Container c : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList()) {
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(c.getName()).contains("ALL");
            assertThat(c.getResources().getRequests()).as(c.getName()).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as(c.getName()).containsKey("memory");
        }

        // availability and scaling target the deployment; Prometheus scrapes the management port
        assertThat(Manifests.one(objects, PodDisruptionBudget.class, "model-api").getSpec().getSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/component", "model-api");
        assertThat(Manifests.one(objects, HorizontalPodAutoscaler.class, "model-api").getSpec().getScaleTargetRef().getName())
                .isEqualTo("model-api");
        GenericKubernetesResource monitor = (GenericKubernetesResource) objects.stream()
                .filter(o -> o.getKind().equals("PodMonitor")).findFirst().orElseThrow();
        assertThat(monitor.get("spec", "podMetricsEndpoints", 0, "port").toString()).isEqualTo("management");
        assertThat(monitor.get("spec", "podMetricsEndpoints", 0, "path").toString())
                .isEqualTo(DeploymentAgainstApplicationTest.PROMETHEUS);
    }

    static Map<String, String> env(Container c) {
        return c.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }
}
