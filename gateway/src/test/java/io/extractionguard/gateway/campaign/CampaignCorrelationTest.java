package io.extractionguard.gateway.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.support.CampaignTraffic;
import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Cross-account correlation through the real gateway with the shipped default policy: a hydra
 * cluster that shares a prompt template and a payment card gets a fresh account's very first
 * templated request refused, while ordinary traffic from the same network passes. Own context
 * (a faster correlation tick), so campaign state from other tests does not leak in.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.campaign.correlation-tick=100ms")
@AutoConfigureWebTestClient(timeout = "30s")
class CampaignCorrelationTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    MeterRegistry meters;

    private int post(String account, String card, String prompt, int maxTokens) {
        return CampaignTraffic.post(client, account, card, prompt, maxTokens);
    }


    @Test
    void freshAccountOfAHydraClusterIsRefusedOnItsFirstTemplatedRequestWhileOrdinaryTrafficPasses() {
        String card = "pf-" + UUID.randomUUID();
        int task = 0;
        for (int a = 0; a < 10; a++) {
            String account = "acct-hydra-" + UUID.randomUUID();
            for (int r = 0; r < 2; r++) {
                post(account, card, CampaignTraffic.templated(task++), 16000);
            }
        }
        String fresh = "acct-hydra-" + UUID.randomUUID();
        assertThat(post(fresh, card, CampaignTraffic.templated(task), 16000)).as("first request of a fresh cluster account").isEqualTo(403);

        assertThat(post("acct-" + UUID.randomUUID(), "pf-" + UUID.randomUUID(),
                "What is a good name for a ginger cat? Something short, please.", 64)).isEqualTo(200);
    }

    @Test
    void correlationRunsPeriodicallyOffTheEventLoopAndIsMetered() throws InterruptedException {
        post("acct-" + UUID.randomUUID(), "pf-" + UUID.randomUUID(), "hello there, how are you today?", 32);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (meters.find("guard.campaign.correlation").timer() == null
                || meters.find("guard.campaign.correlation").timer().count() == 0) {
            assertThat(System.nanoTime()).as("a correlation run within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(meters.find("guard.campaign.population").gauge().value()).isGreaterThanOrEqualTo(1000);
        assertThat(meters.find("guard.campaign.correlation.failures").counter().count()).isZero();
    }
}
