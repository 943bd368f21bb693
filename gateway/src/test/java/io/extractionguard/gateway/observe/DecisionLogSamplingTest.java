package io.extractionguard.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.support.Await;
import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Decision lines are sampled for ALLOW only: with the rate at 0 no ALLOW line is written, every rejection still is,
 * and {@code guard.decisions} counts every decision. The shipped default rate is 1%.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.decision-log.sample-rate=0.0")
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class DecisionLogSamplingTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    StateStore store;

    @Autowired
    MeterRegistry meters;

    @Test
    void defaultLogsOnePercentOfAllows() {
        GuardProperties defaults = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("guard", GuardProperties.class);
        assertThat(defaults.decisionLog().enabled()).isTrue();
        assertThat(defaults.decisionLog().sampleRate()).isEqualTo(0.01);
    }

    @Test
    void allowsAreCountedButNotLoggedWhileEveryRejectionIs(CapturedOutput output) throws InterruptedException {
        String allowed = "acct-" + UUID.randomUUID();
        String blocked = "acct-" + UUID.randomUUID();
        store.putVerdict(blocked, new Verdict(Verdict.Kind.BLOCK, Instant.now().plusSeconds(600), "operator/test",
                java.util.List.of(), "test"));
        double before = count("ALLOW");
        for (int i = 0; i < 20; i++) {
            post(allowed).expectStatus().isOk().expectBody();
        }
        post(blocked).expectStatus().isForbidden().expectBody();
        // lines are written in decision order by one thread: once the rejection's line is out, no ALLOW line is pending
        String line = Await.logLine(output, l -> l.contains(blocked));
        assertThat(line).contains("\"action\":\"BLOCK\"");
        assertThat(output.getOut()).doesNotContain(allowed);
        assertThat(count("ALLOW") - before).isEqualTo(20);
    }

    @Test
    void theSampleRateIsAMetricBesideTheLinesItThins() {
        // a dashboard built on decision lines must be able to tell how many ALLOWs it does not see
        assertThat(meters.get("guard.decision.log.sample.rate").tag("action", "ALLOW").gauge().value()).isEqualTo(0.0);
        assertThat(meters.get("guard.decision.log.sample.rate").tag("action", "other").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void eachRequestIsTimedOnceByTheServerNotAgainByTheGatewaysOwnMeters() throws InterruptedException {
        post("acct-" + UUID.randomUUID()).expectStatus().isOk().expectBody();
        // the server observation stops just after the response is written
        Await.until(() -> meters.find("http.server.requests").timers().stream().mapToLong(t -> t.count()).sum(),
                n -> n > 0, "requests timed by http.server.requests");
        // spring.cloud.gateway.requests and the client observation timed the same exchange again, per request
        assertThat(meters.find("spring.cloud.gateway.requests").meters()).isEmpty();
        assertThat(meters.find("http.client.requests").meters()).isEmpty();
    }

    private WebTestClient.ResponseSpec post(String account) {
        return client.post().uri("/v1/messages")
                .header("x-account-id", account)
                .header("x-account-tier", "enterprise")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
                .exchange();
    }

    private double count(String action) {
        return meters.find("guard.decisions").tag("action", action).counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
