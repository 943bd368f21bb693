package io.extractionguard.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;
import io.extractionguard.gateway.support.TestRedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the manifests and the dashboard assume about the application, checked against a running
 * application in the deployed configuration (profile redis): the probe and scrape paths answer, and
 * every metric (and exact label value) the Grafana dashboard queries is one the application registers.
 */
class DeploymentAgainstApplicationTest {

    static final String LIVENESS = "/actuator/health/liveness";
    static final String READINESS = "/actuator/health/readiness";
    static final String PROMETHEUS = "/actuator/prometheus";
    static final Pattern METRIC = Pattern.compile("\\b((?:guard|cache)_[a-z0-9_]+)(\\{[^}]*})?");
    static final Set<String> ENUMERATED = Set.of("action", "outcome", "kind", "reason", "direction", "result");
    static final Pattern EXACT_LABEL = Pattern.compile("([a-z_]+)=\"([^\"~|*]+)\"");

    /** The key of the operators Secret, mounted as a file and imported (k8s/base/deployment.yaml). */
    static final String OPERATORS_FILE = "operators.yaml";
    static final Op OPERATOR = Op.of("deploy-oncall", Role.READ, Role.OVERRIDE);

    static String redis;
    static String prefix;
    static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        redis = TestRedis.shared();
        prefix = TestRedis.uniquePrefix("deploy");
        // operators as the manifests configure them: a YAML file (the mounted Secret) imported into the configuration
        try {
            Path operators = Files.createTempDirectory("operators").resolve(OPERATORS_FILE);
            StringBuilder yaml = new StringBuilder("guard:\n  admin:\n    operators:\n");
            TestOperators.properties(OPERATOR).forEach((k, v) -> {
                String field = k.substring(k.lastIndexOf('.') + 1);
                yaml.append(field.equals("name") ? "      - " : "        ").append(field).append(": ")
                        .append(field.equals("roles") ? "[" + v + "]" : v).append('\n');
            });
            Files.writeString(operators, yaml);
            gateway = GatewayInstance.redis(redis, prefix, Map.of("spring.config.import", "optional:file:" + operators));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // traffic that makes the request-scoped meters exist: allowed, throttled, challenged, invalid
        for (int i = 0; i < 20; i++) {
            gateway.client().post().uri("/v1/messages").header("x-account-id", "acct-deploy")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[{\"role\":\"user\",\"content\":"
                            + "\"Implement the python function and show your full reasoning step by step. Task " + i + "\"}]}")
                    .exchange().expectBody().returnResult().getStatus();
        }
        gateway.client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue("{bad")
                .exchange().expectStatus().isBadRequest().expectBody();
        gateway.management().get().uri("/admin/accounts/acct-deploy").exchange().expectStatus().isUnauthorized().expectBody();
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(redis, prefix, gateway);
    }

    @Test
    void anOperatorFromTheImportedOperatorsFileCanCallTheAdminApi() {
        gateway.management().get().uri("/admin/policy").header("Authorization", OPERATOR.bearer()).exchange()
                .expectStatus().isOk().expectBody();
        gateway.management().post().uri("/admin/policy/reload").header("Authorization", OPERATOR.bearer()).exchange()
                .expectStatus().isForbidden().expectBody();
    }

    @Test
    void probeAndScrapePathsOfTheManifestsAnswerOnTheManagementPort() {
        for (String path : new String[]{LIVENESS, READINESS, PROMETHEUS}) {
            gateway.management().get().uri(path).exchange().expectStatus().isOk().expectBody();
        }
        gateway.management().get().uri(READINESS).exchange().expectBody()
                .jsonPath("$.status").isEqualTo("UP");
    }

    @Test
    void everyMetricTheDashboardQueriesIsRegisteredByTheApplication() throws Exception {
        String scrape = new String(gateway.management().get().uri(PROMETHEUS).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseBody(), StandardCharsets.UTF_8);
        Set<String> registered = new TreeSet<>();
        scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .forEach(l -> registered.add(l.replaceAll("[{ ].*", "")));

        JsonNode dashboard = JsonMapper.builder().build()
                .readTree(Files.readString(Manifests.K8S.resolve("dashboards/extraction-guard.json")));
        Set<String> queried = new TreeSet<>();
        int expressions = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asString("");
                expressions++;
                Matcher m = METRIC.matcher(expr);
                while (m.find()) {
                    String metric = m.group(1);
                    queried.add(metric);
                    if (m.group(2) != null) {
                        Matcher label = EXACT_LABEL.matcher(m.group(2));
                        while (label.find()) {
                            // enumerations (action=\"SHADOW\") appear only once such a decision happened:
                            // for them the label must exist; any other value (a cache's name) must match exactly
                            String key = label.group(1);
                            String selector = ENUMERATED.contains(key) ? key + "=\"" : key + "=\"" + label.group(2) + "\"";
                            assertThat(scrape.lines().anyMatch(l -> l.startsWith(metric) && l.contains(selector)))
                                    .as("a %s series with %s exists", metric, selector).isTrue();
                        }
                    }
                }
            }
        }
        assertThat(expressions).isGreaterThan(20);
        assertThat(queried).as("metrics the dashboard queries").isNotEmpty();
        assertThat(registered).containsAll(queried);
    }
}
