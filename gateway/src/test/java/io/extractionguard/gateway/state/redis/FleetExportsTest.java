package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two replicas on one Redis; a hydra campaign reaches replica A only. Both replicas' campaign
 * listings name the same accounts, and both indicator exports hold the same indicators: exports
 * read the fleet's evidence, not whichever replica answers.
 */
class FleetExportsTest {

    static final String ADMIN_TOKEN = "test-admin-token-fleet-exports-7a2d";
    static final String PREFIX = TestRedis.uniquePrefix("fleet-exports");
    private static final JsonMapper json = JsonMapper.builder().build();
    private static GatewayInstance a;
    private static GatewayInstance b;

    @BeforeAll
    static void start() {
        a = GatewayInstance.redis(TestRedis.shared(), PREFIX, Map.of("guard.admin.token", ADMIN_TOKEN));
        b = GatewayInstance.redis(TestRedis.shared(), PREFIX, Map.of("guard.admin.token", ADMIN_TOKEN));
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), PREFIX, a, b);
    }

    private static JsonNode get(GatewayInstance g, String uri) {
        byte[] body = g.management().get().uri(uri).header("Authorization", "Bearer " + ADMIN_TOKEN).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return json.readTree(body);
    }

    /** The accounts of the listed campaign that holds {@code member}, as the replica names them. */
    private static TreeSet<String> campaignOf(GatewayInstance g, String member) {
        for (JsonNode c : get(g, "/admin/campaigns").path("campaigns")) {
            TreeSet<String> ids = new TreeSet<>();
            c.path("accounts").forEach(n -> ids.add(n.asString()));
            if (ids.contains(member)) {
                return ids;
            }
        }
        return new TreeSet<>();
    }

    /** The exported indicators, by id and pattern (timestamps of the bundle itself differ per call). */
    private static TreeSet<String> exported(GatewayInstance g) {
        TreeSet<String> out = new TreeSet<>();
        for (JsonNode o : get(g, "/admin/indicators/export").path("objects")) {
            if ("indicator".equals(o.path("type").asString())) {
                out.add(o.path("id").asString() + " " + o.path("pattern").asString());
            }
        }
        return out;
    }

    @Test
    void campaignListingsAndIndicatorExportsAreTheSameOnEveryReplica() {
        String card = "pf-" + UUID.randomUUID();
        List<String> accounts = RedisCampaignSharingTest.hydra(a.client(), card);
        List<String> bothListings = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            TreeSet<String> onA = campaignOf(a, accounts.get(0));
            TreeSet<String> onB = campaignOf(b, accounts.get(0));
            assertThat(onA).as("A lists the campaign by account id").containsAll(accounts);
            assertThat(onB).as("B, which decided none of them, lists the same").isEqualTo(onA);
            bothListings.clear();
            bothListings.addAll(onB);
        });
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            TreeSet<String> onA = exported(a);
            assertThat(onA).as("A exports the campaign's evidence").isNotEmpty();
            assertThat(exported(b)).as("B exports the same indicators").isEqualTo(onA);
        });
        System.out.printf("fleet exports: %d accounts listed and %d indicators exported alike on both replicas%n",
                bothListings.size(), exported(b).size());
    }
}
