package io.extractionguard.gateway.state.redis;

import static io.extractionguard.gateway.support.CampaignTraffic.post;
import static io.extractionguard.gateway.support.CampaignTraffic.templated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Campaign evidence shared by gateway replicas through Redis, partitioned by value: a campaign seen
 * only by replica A convicts fresh cluster accounts on replica B within two flush intervals of B's
 * first request with its card, also when the cluster spreads over both replicas and several cards; a
 * restarted fleet remembers it; a replica applies nothing of accounts it does not serve; the admin
 * API lists the linked accounts.
 */
class RedisCampaignSharingTest {

    static final String ADMIN_TOKEN = "test-admin-token-campaigns-5c1e";
    private final String prefix = TestRedis.uniquePrefix("campaign-share");
    private final List<GatewayInstance> started = new ArrayList<>();
    private final JsonMapper json = JsonMapper.builder().build();

    @AfterEach
    void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), prefix, started.toArray(GatewayInstance[]::new));
    }

    private GatewayInstance replica(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of("guard.admin.token", ADMIN_TOKEN));
        props.putAll(extra);
        GatewayInstance g = GatewayInstance.redis(TestRedis.shared(), prefix, props);
        started.add(g);
        return g;
    }

    private void close(GatewayInstance g) {
        g.close();
        started.remove(g);
    }



    /** A hydra cluster: ten accounts, one card, one template, two requests each; returns the account ids. */
    static List<String> hydra(WebTestClient client, String card) {
        List<String> accounts = new ArrayList<>();
        int task = 0;
        for (int a = 0; a < 10; a++) {
            String account = "acct-hydra-" + UUID.randomUUID();
            accounts.add(account);
            for (int r = 0; r < 2; r++) {
                post(client, account, card, templated(task++), 16000);
            }
        }
        return accounts;
    }

    private static double count(GatewayInstance g, String counter) {
        var c = g.bean(MeterRegistry.class).find(counter).counter();
        return c == null ? 0 : c.count();
    }

    /** The reasons of the account's latest decision on {@code g}. */
    private static List<String> reasons(GatewayInstance g, String account) {
        List<RecentDecisions.Entry> entries = g.bean(RecentDecisions.class).of(account);
        assertThat(entries).as("a decision for %s", account).isNotEmpty();
        return entries.get(0).reasons();
    }

    /**
     * Fresh cluster accounts on {@code g}, one request each, every {@code pause}, until one is refused with
     * {@code campaign/payment}; returns how long that took (fails after {@code limit}).
     */
    private Duration convictsWithin(GatewayInstance g, String card, Duration pause, Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        int task = 100;
        while (System.nanoTime() - start < limit.toNanos()) {
            String fresh = "acct-hydra-" + UUID.randomUUID();
            if (post(g.client(), fresh, card, templated(task++), 16000) == 403
                    && reasons(g, fresh).contains("campaign/payment")) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(pause.toMillis());
        }
        throw new AssertionError("no fresh account with the campaign's card was convicted on " + g.port() + " within " + limit);
    }

    @Test
    void aCampaignSeenOnlyByReplicaAConvictsOnReplicaBWithinTwoFlushIntervals() throws InterruptedException {
        GatewayInstance a = replica(Map.of());
        GatewayInstance b = replica(Map.of());
        String card = "pf-" + UUID.randomUUID();
        hydra(a.client(), card);
        RedisCampaignStore storeA = a.bean(RedisCampaignStore.class);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> storeA.pending() == 0);
        // the attack: the next cluster accounts go to B, which has never seen the card. B's first request with it
        // touches the card's key; B's next batch (flush-interval 1 s) merges it and reads back A's accounts.
        Duration took = convictsWithin(b, card, Duration.ofMillis(100), Duration.ofSeconds(5));
        System.out.printf("[measure] campaign evidence A->B: a fresh cluster account on B convicted %d ms after B's first "
                + "request with the card (flush-interval 1 s)%n", took.toMillis());
        assertThat(took).as("within two flush intervals of B's first request with the card (and a loaded machine's "
                + "margin: 2.5 s seen at load 30)").isLessThan(Duration.ofMillis(2_000 + 2_000));
        assertThat(count(b, "guard.campaign.sync.dropped")).isZero();
    }

    @Test
    void aClusterSpreadOverBothReplicasAndManyCardsIsConvictedOnBoth() throws InterruptedException {
        GatewayInstance a = replica(Map.of());
        GatewayInstance b = replica(Map.of());
        // the adversary alternates replicas per request and gives every pair of accounts a card of its own: no
        // replica sees more than one request of an account in a row, nor one card's accounts alone
        List<String> cards = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            cards.add("pf-" + UUID.randomUUID());
        }
        int task = 0;
        for (int acct = 0; acct < 10; acct++) {
            String account = "acct-spread-" + UUID.randomUUID();
            for (int r = 0; r < 2; r++) {
                post((r + acct) % 2 == 0 ? a.client() : b.client(), account, cards.get(acct / 2), templated(task++), 16000);
            }
        }
        for (String card : cards.subList(0, 2)) {
            Duration onA = convictsWithin(a, card, Duration.ofMillis(100), Duration.ofSeconds(5));
            Duration onB = convictsWithin(b, card, Duration.ofMillis(100), Duration.ofSeconds(5));
            System.out.printf("[measure] spread cluster: card convicted on A after %d ms, on B after %d ms%n",
                    onA.toMillis(), onB.toMillis());
        }
    }

    @Test
    void aRestartedFleetRemembersTheCampaign() throws InterruptedException {
        GatewayInstance a = replica(Map.of());
        GatewayInstance b = replica(Map.of());
        String card = "pf-" + UUID.randomUUID();
        hydra(a.client(), card);
        close(a); // sends what it holds
        close(b);

        GatewayInstance c = replica(Map.of());
        Duration took = convictsWithin(c, card, Duration.ofMillis(100), Duration.ofSeconds(5));
        assertThat(took).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void aReplicaAppliesNothingOfAccountsItDoesNotServe() {
        GatewayInstance a = replica(Map.of());
        GatewayInstance b = replica(Map.of());
        hydra(a.client(), "pf-" + UUID.randomUUID());
        for (int i = 0; i < 10; i++) {
            post(b.client(), "acct-own-b-" + i, "pf-b-" + i, "What is a good name for a cat?", 100);
        }
        RedisCampaignStore storeA = a.bean(RedisCampaignStore.class);
        RedisCampaignStore storeB = b.bean(RedisCampaignStore.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> storeA.pending() == 0 && storeB.pending() == 0
                && count(b, "guard.campaign.sync.shipped") >= 10);
        assertThat(count(b, "guard.campaign.sync.applied")).as("no record of A's accounts applied on B").isZero();
        assertThat(storeB.local().accountCount()).as("B holds links for its own accounts only").isEqualTo(10);
    }

    @Test
    void theAdminApiListsTheLinkedAccountsByIdOnlyForAnOperator() {
        GatewayInstance a = replica(Map.of());
        String card = "pf-" + UUID.randomUUID();
        List<String> accounts = hydra(a.client(), card);

        a.management().get().uri("/admin/campaigns").exchange().expectStatus().isUnauthorized().expectBody();
        a.management().get().uri("/admin/campaigns?max=0").header("Authorization", "Bearer " + ADMIN_TOKEN).exchange()
                .expectStatus().isBadRequest().expectBody();
        a.client().get().uri("/admin/campaigns").header("Authorization", "Bearer " + ADMIN_TOKEN).exchange()
                .expectStatus().value(status -> assertThat(status).as("never on the traffic port").isNotEqualTo(200)).expectBody();
        byte[] body = a.management().get().uri("/admin/campaigns")
                .header("Authorization", "Bearer " + ADMIN_TOKEN).exchange()
                .expectStatus().isOk().expectBody().returnResult().getResponseBody();
        JsonNode campaigns = json.readTree(body).path("campaigns");
        JsonNode hydra = null;
        for (JsonNode c : campaigns) {
            List<String> ids = new ArrayList<>();
            c.path("accounts").forEach(n -> ids.add(n.asString()));
            if (ids.containsAll(accounts)) {
                hydra = c;
            }
        }
        assertThat(hydra).as("a campaign listing all ten hydra accounts in %s", campaigns).isNotNull();
        List<String> indicators = new ArrayList<>();
        hydra.path("indicators").forEach(n -> indicators.add(n.path("indicator").asString()));
        assertThat(indicators).contains("payment", "template");
        assertThat(hydra.path("score").asDouble()).isGreaterThan(0);
        assertThat(new String(body, java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(card);
    }
}
