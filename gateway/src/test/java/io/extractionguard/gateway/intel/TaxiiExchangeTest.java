package io.extractionguard.gateway.intel;

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
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.engine.intel.SharedEvidence;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.CampaignTraffic;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;
import io.extractionguard.gateway.support.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two labs, each its own deployment (own Redis key space): lab A serves its campaign evidence over
 * TAXII 2.1; lab B (two replicas) polls it with a one-second interval with a token A issued to it. What A
 * catches reaches B's decisions within one poll interval, and a campaign only A has seen is challenged at
 * B on its first request there. One B replica polls per interval; both see the watermark.
 */
class TaxiiExchangeTest {

    private static final String LAB_A = TestRedis.uniquePrefix("taxii-a");
    private static final String LAB_B = TestRedis.uniquePrefix("taxii-b");
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Op LAB_B_AT_A = Op.of("lab-b", Role.INTEL);
    private static final Op NOSY_AT_A = Op.of("nosy", Role.READ);
    private static final Op ANALYST_AT_B = Op.of("analyst", Role.READ, Role.INTEL);
    private static GatewayInstance a;
    private static GatewayInstance b1;
    private static GatewayInstance b2;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void start() {
        Map<String, String> propsA = new LinkedHashMap<>(TestOperators.properties(LAB_B_AT_A, NOSY_AT_A));
        propsA.put("guard.campaign.correlation-tick", "100ms");
        propsA.put("guard.taxii.producer", "Lab A");
        propsA.put("guard.taxii.readers", "lab-b");
        propsA.put("guard.taxii.writers", "lab-c");
        a = GatewayInstance.redis(TestRedis.shared(), LAB_A, propsA);
        Map<String, String> propsB = new LinkedHashMap<>(TestOperators.properties(ANALYST_AT_B));
        propsB.put("guard.taxii.peers[0].name", "lab-a");
        propsB.put("guard.taxii.peers[0].collection",
                "http://127.0.0.1:" + a.managementPort() + "/taxii2/api1/collections/campaign-evidence/");
        propsB.put("guard.taxii.peers[0].token", LAB_B_AT_A.token());
        propsB.put("guard.taxii.peers[0].interval", INTERVAL.toMillis() + "ms");
        propsB.put("guard.taxii.peers[0].max-confidence", "90");
        b1 = GatewayInstance.redis(TestRedis.shared(), LAB_B, propsB);
        b2 = GatewayInstance.redis(TestRedis.shared(), LAB_B, propsB);
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), LAB_B, b1, b2);
        GatewayInstance.closeAll(TestRedis.shared(), LAB_A, a);
    }

    private WebTestClient.ResponseSpec taxii(GatewayInstance g, Op op, String path) {
        return g.management().get().uri(path).header("Authorization", op.bearer())
                .header("Accept", "application/taxii+json;version=2.1").exchange();
    }

    private JsonNode body(WebTestClient.ResponseSpec spec) {
        return json.readTree(spec.expectStatus().isOk().expectHeader()
                .contentType("application/taxii+json;version=2.1").expectBody().returnResult().getResponseBody());
    }

    @Test
    void whatLabACatchesIsChallengedAtLabBOnItsFirstRequestWithinOnePollInterval() {
        // the TAXII surface at A: discovery, API root, the collections this operator may see
        assertThat(body(taxii(a, LAB_B_AT_A, "/taxii2/")).path("api_roots").get(0).asString()).isEqualTo("/taxii2/api1/");
        assertThat(body(taxii(a, LAB_B_AT_A, "/taxii2/api1/")).path("versions").get(0).asString())
                .isEqualTo("application/taxii+json;version=2.1");
        JsonNode collections = body(taxii(a, LAB_B_AT_A, "/taxii2/api1/collections/")).path("collections");
        assertThat(collections.toString()).contains("\"alias\":\"campaign-evidence\",", "\"can_read\":true");
        assertThat(collections.toString()).as("lab-b is not a writer at A").doesNotContain("\"alias\":\"inbox\"");
        // per-collection access: an operator not among the readers does not see the collection
        taxii(a, NOSY_AT_A, "/taxii2/api1/collections/campaign-evidence/objects/").expectStatus().isNotFound().expectBody();
        a.management().get().uri("/taxii2/").exchange().expectStatus().isUnauthorized().expectBody();
        a.management().get().uri("/taxii2/").header("Authorization", LAB_B_AT_A.bearer()).header("Accept", "text/html")
                .exchange().expectStatus().isEqualTo(HttpStatus.NOT_ACCEPTABLE).expectBody();

        // lab A catches a hydra campaign
        String card = "pf-" + UUID.randomUUID();
        int task = 0;
        for (int acct = 0; acct < 10; acct++) {
            String account = "acct-hydra-" + UUID.randomUUID();
            for (int r = 0; r < 2; r++) {
                CampaignTraffic.post(a.client(), account, card, CampaignTraffic.templated(task++), 16000);
            }
        }
        assertThat(CampaignTraffic.post(a.client(), "acct-hydra-" + UUID.randomUUID(), card,
                CampaignTraffic.templated(task++), 16000)).as("lab A caught the campaign").isEqualTo(403);
        Instant caught = Instant.now();
        // what A holds once its fleet view has the evidence (A's export reads the fleet's evidence in Redis, which its
        // campaign batch reaches within a flush; B may already hold weaker, earlier versions from polls during the campaign)
        GuardEngine engineA = a.bean(GuardEngine.class);
        int atA = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> engineA.campaignEvidence("Lab A", Duration.ofDays(30)).stream()
                        .map(SharedEvidence::indicator).filter(i -> i.kind() == Indicator.Kind.PROMPT_TEMPLATE)
                        .mapToInt(Indicator::confidence).max().orElse(0), c -> c > 0);
        int expected = Math.min(atA, 90);
        assertThat(expected).as("confident enough for B's policy (peer-indicators.min-confidence 50)").isGreaterThanOrEqualTo(50);

        // ... and within one poll interval lab B holds it, from Lab A, capped at B's confidence for A
        IndicatorRegistry atB = b2.bean(IndicatorRegistry.class);
        await().atMost(INTERVAL.plusSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() -> atB.all(Instant.now())
                .stream().anyMatch(i -> i.kind() == Indicator.Kind.PROMPT_TEMPLATE && i.confidence() >= expected));
        Duration reached = Duration.between(caught, Instant.now());
        System.out.printf("TAXII: lab A's campaign evidence reached lab B's registry %d ms after A caught it (poll interval %d ms)%n",
                reached.toMillis(), INTERVAL.toMillis());
        assertThat(reached).as("within one poll interval").isLessThanOrEqualTo(INTERVAL);
        assertThat(atB.all(Instant.now())).allSatisfy(i -> {
            assertThat(i.source()).isEqualTo("Lab A");
            assertThat(i.confidence()).isLessThanOrEqualTo(90);
        });

        // a fresh account and card at B, on its first request: challenged because of what A saw
        String fresh = "acct-" + UUID.randomUUID();
        int status = CampaignTraffic.post(b1.client(), fresh, "pf-" + UUID.randomUUID(), CampaignTraffic.templated(task++), 16000);
        JsonNode decision = json.readTree(b1.management().get().uri("/admin/accounts/" + fresh)
                .header("Authorization", ANALYST_AT_B.bearer()).exchange().expectStatus().isOk().expectBody()
                .returnResult().getResponseBody()).path("recentDecisions").get(0);
        assertThat(decision.path("reasons").toString()).as("decision %s", decision).contains("peer-indicator/template");
        assertThat(status).as("decision %s", decision).isEqualTo(403);
        // ordinary traffic at B is untouched
        assertThat(CampaignTraffic.post(b1.client(), "acct-" + UUID.randomUUID(), "pf-" + UUID.randomUUID(),
                "What is a good name for a ginger cat? Something short, please.", 64)).isEqualTo(200);

        // one replica polls per slot (half the interval), not each of them; both see the watermark
        double before = polls(b1) + polls(b2);
        sleep(Duration.ofSeconds(3));
        double during = polls(b1) + polls(b2) - before;
        assertThat(during).as("polls by both replicas in 3 s, one per 500 ms slot").isBetween(4.0, 8.0);
        assertThat(b1.bean(TaxiiPollState.class).watermark("lab-a")).isPresent()
                .isEqualTo(b2.bean(TaxiiPollState.class).watermark("lab-a"));
    }

    @Test
    void theInboxTakesIndicatorsFromAWriterAndReportsEachObject() {
        Op writer = ANALYST_AT_B;
        String value = "pf-" + UUID.randomUUID();
        String envelope = """
                {"objects":[
                  {"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00.000Z",
                   "modified":"2026-01-01T00:00:00.000Z","pattern_type":"stix","confidence":80,
                   "pattern":"[x-extraction-guard-payment:fingerprint = '%s']","valid_from":"2026-01-01T00:00:00Z",
                   "valid_until":"2099-01-01T00:00:00Z"},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--%s","pattern":"[ipv4-addr:value = '1.2.3.4']"}
                ]}""".formatted(UUID.randomUUID(), value, UUID.randomUUID());
        byte[] response = b1.management().post().uri("/taxii2/api1/collections/inbox/objects/")
                .header("Authorization", writer.bearer()).header("Accept", "application/taxii+json;version=2.1")
                .header("Content-Type", "application/taxii+json;version=2.1")
                .bodyValue(envelope.getBytes(StandardCharsets.UTF_8)).exchange()
                .expectStatus().isAccepted().expectBody().returnResult().getResponseBody();
        JsonNode status = json.readTree(response);
        assertThat(status.path("status").asString()).isEqualTo("complete");
        assertThat(status.path("success_count").asInt()).isEqualTo(1);
        assertThat(status.path("failure_count").asInt()).isEqualTo(1);
        assertThat(status.path("failures").get(0).path("message").asString()).contains(".created: required");
        assertThat(body(taxii(b1, writer, "/taxii2/api1/status/" + status.path("id").asString() + "/"))
                .path("total_count").asInt()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(2)).until(() -> b2.bean(IndicatorRegistry.class).all(Instant.now()).stream()
                .anyMatch(i -> i.value().equals(value) && i.source().equals("analyst")));
        // the inbox is write-only: nobody reads it
        taxii(b1, writer, "/taxii2/api1/collections/inbox/objects/").expectStatus().isForbidden().expectBody();
    }

    private static double polls(GatewayInstance g) {
        return g.bean(MeterRegistry.class).find("guard.taxii.polls").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
