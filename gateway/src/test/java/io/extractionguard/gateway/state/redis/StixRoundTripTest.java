package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.gateway.support.CampaignTraffic;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Indicator exchange between two independent deployments (own Redis key spaces, own state): a
 * hydra campaign caught by the first is exported from its admin API as STIX, imported into the
 * second, and the same campaign's next request, from an account and card the second has never seen,
 * is flagged there, on a replica other than the one the import was sent to.
 */
class StixRoundTripTest {

    private static final String FIRST = TestRedis.uniquePrefix("stix-first");
    private static final String SECOND = TestRedis.uniquePrefix("stix-second");
    private static final String TOKEN = "test-admin-token-stix";
    private static final Map<String, String> PROPS = Map.of("guard.admin.token", TOKEN,
            "guard.campaign.correlation-tick", "100ms");
    private static GatewayInstance first;
    private static GatewayInstance second;
    private static GatewayInstance secondReplica;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void start() {
        first = GatewayInstance.redis(TestRedis.shared(), FIRST, PROPS);
        second = GatewayInstance.redis(TestRedis.shared(), SECOND, PROPS);
        secondReplica = GatewayInstance.redis(TestRedis.shared(), SECOND, PROPS);
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), FIRST, first);
        GatewayInstance.closeAll(TestRedis.shared(), SECOND, second, secondReplica);
    }

    private static int post(GatewayInstance g, String account, String card, String prompt, int maxTokens) {
        return CampaignTraffic.post(g.client(), account, card, prompt, maxTokens);
    }


    private static WebTestClient.RequestHeadersSpec<?> authorised(WebTestClient.RequestHeadersSpec<?> spec) {
        return spec.header("Authorization", "Bearer " + TOKEN).header("x-guard-operator", "bob");
    }

    private JsonNode lastDecision(GatewayInstance g, String account) {
        byte[] body = authorised(g.management().get().uri("/admin/accounts/" + account)).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        JsonNode decisions = json.readTree(body).path("recentDecisions");
        assertThat(decisions.size()).isPositive();
        return decisions.get(0);
    }

    @Test
    void aCampaignExportedFromOneDeploymentIsFlaggedOnItsNextRequestInAnother() {
        String card = "pf-" + UUID.randomUUID();
        int task = 0;
        for (int a = 0; a < 10; a++) {
            String account = "acct-hydra-" + UUID.randomUUID();
            for (int r = 0; r < 2; r++) {
                post(first, account, card, CampaignTraffic.templated(task++), 16000);
            }
        }
        assertThat(post(first, "acct-hydra-" + UUID.randomUUID(), card, CampaignTraffic.templated(task++), 16000))
                .as("the first deployment caught the campaign").isEqualTo(403);

        // the fleet's evidence reaches a replica's export within about two seconds (docs/intel.md): poll for it
        String text = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            byte[] bundle = authorised(first.management().get().uri("/admin/indicators/export?producer=Lab One"))
                    .exchange().expectStatus().isOk()
                    .expectHeader().contentTypeCompatibleWith(MediaType.parseMediaType("application/stix+json"))
                    .expectBody().returnResult().getResponseBody();
            return new String(bundle, StandardCharsets.UTF_8);
        }, exported -> exported.contains(card));
        assertThat(text).contains("x-extraction-guard-prompt:template_sketch", card, "\"name\" : \"Lab One\"")
                .as("sketches and fingerprints only: no prompt text, no account ids")
                .doesNotContain("python engineer", "acct-hydra");

        // the second deployment has never seen this campaign
        String before = "acct-" + UUID.randomUUID();
        post(secondReplica, before, "pf-" + UUID.randomUUID(), CampaignTraffic.templated(task++), 16000);
        assertThat(lastDecision(secondReplica, before).path("reasons").toString()).doesNotContain("peer-indicator");

        authorised(second.management().post().uri("/admin/indicators/import").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(text.getBytes(StandardCharsets.UTF_8))).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.imported").value(n -> assertThat(((Number) n).intValue()).isPositive());
        IndicatorRegistry onReplica = secondReplica.bean(IndicatorRegistry.class);
        await().atMost(Duration.ofSeconds(1)).until(() -> !onReplica.all(Instant.now()).isEmpty());

        String fresh = "acct-" + UUID.randomUUID();
        int status = post(secondReplica, fresh, "pf-" + UUID.randomUUID(), CampaignTraffic.templated(task++), 16000);
        JsonNode decision = lastDecision(secondReplica, fresh);
        assertThat(decision.path("reasons").toString()).as("decision %s", decision).contains("peer-indicator/template");
        assertThat(status).as("decision %s", decision).isEqualTo(403);

        // ordinary traffic on the second deployment is not caught by the import
        String ordinary = "acct-" + UUID.randomUUID();
        assertThat(post(secondReplica, ordinary, "pf-" + UUID.randomUUID(),
                "What is a good name for a ginger cat? Something short, please.", 64)).isEqualTo(200);
        assertThat(lastDecision(secondReplica, ordinary).path("reasons").toString()).doesNotContain("peer-indicator");
    }
}
