package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

import io.extractionguard.engine.spi.CampaignSanctions;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.CampaignTraffic;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;
import io.extractionguard.gateway.support.TestRedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A campaign sanction imposed on one replica applies on another: a never-seen account paying with the
 * campaign's card is blocked on its first request there, the replica that imposed it exports that
 * account, and a release on the first replica reaches the second.
 */
class RedisCampaignSanctionsTest {

    private static final String PREFIX = TestRedis.uniquePrefix("sanctions");
    private static final Op OPS = Op.of("fay", Role.READ, Role.OVERRIDE);
    private static GatewayInstance one;
    private static GatewayInstance two;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void start() {
        Map<String, String> props = new LinkedHashMap<>(TestOperators.properties(OPS));
        props.put("guard.campaign.correlation-tick", "100ms");
        one = GatewayInstance.redis(TestRedis.shared(), PREFIX, props);
        two = GatewayInstance.redis(TestRedis.shared(), PREFIX, props);
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), PREFIX, one, two);
    }

    private JsonNode post(GatewayInstance g, String path, String body) {
        return json.readTree(g.management().post().uri(path).header("Authorization", OPS.bearer())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseBody());
    }

    @Test
    void aSanctionImposedOnOneReplicaBlocksANewLinkingAccountOnAnother() {
        String card = "pf-" + UUID.randomUUID();
        String seed = null;
        int task = 0;
        for (int a = 0; a < 6; a++) {
            String account = "acct-hydra-" + UUID.randomUUID();
            seed = seed == null ? account : seed;
            for (int r = 0; r < 2; r++) {
                CampaignTraffic.post(one.client(), account, card, CampaignTraffic.templated(task++), 16000);
            }
        }
        String sanction = post(one, "/admin/campaigns/enforce", "{\"account\":\"" + seed + "\",\"action\":\"block\","
                + "\"ttl\":\"1h\",\"reason\":\"TICKET-77\"}").path("sanction").asString();
        CampaignSanctions atTwo = two.bean(CampaignSanctions.class);
        await().atMost(Duration.ofSeconds(3)).until(() -> atTwo.all().stream().anyMatch(s -> s.id().equals(sanction)));

        String newcomer = "acct-new-" + UUID.randomUUID();
        assertThat(CampaignTraffic.post(two.client(), newcomer, card, "Hello", 64)).isEqualTo(403);
        await().atMost(Duration.ofSeconds(3)).until(() -> new String(one.management().get()
                .uri("/admin/sanctions/" + sanction + "/penalised").header("Authorization", OPS.bearer()).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody(), StandardCharsets.UTF_8)
                .contains(newcomer));

        post(one, "/admin/sanctions/" + sanction + "/release", "{\"reason\":\"TICKET-77 closed\"}");
        await().atMost(Duration.ofSeconds(3)).until(() -> atTwo.all().stream()
                .anyMatch(s -> s.id().equals(sanction) && !s.isActiveAt(Instant.now())));
    }
}
