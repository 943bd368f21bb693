package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.context.ApplicationContext;

import io.extractionguard.gateway.support.Await;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.support.TestBackend;
import io.micrometer.tracing.Tracer;
import io.prometheus.metrics.tracer.common.SpanContext;

/**
 * The edge's W3C trace context is continued: the decision line carries its trace id, and so does the forwarded request.
 * By default no tracer runs (application.yml), so the header reaches the model API as the edge sent it;
 * {@link TracingProfileTest} runs the same with the profile {@code tracing}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@ExtendWith(OutputCaptureExtension.class)
class TraceIdTest {

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    @Autowired
    ApplicationContext context;

    @Test
    void decisionLineCarriesTheIncomingTraceIdAndTheBackendSeesTheSameTrace(CapturedOutput output) throws InterruptedException {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String account = "acct-" + UUID.randomUUID();
        client.post().uri("/v1/messages")
                .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                .header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange().expectStatus().isOk().expectBody();
        String line = Await.logLine(output, l -> l.contains(account));
        assertThat(line).contains("\"trace_id\":\"" + traceId + "\"");
        String forwarded = TestBackend.get().lastRequest().orElseThrow().headers().get("traceparent");
        assertThat(forwarded).contains(traceId);
        forwardedBy("00-" + traceId + "-00f067aa0ba902b7-01", forwarded);
    }

    /**
     * No tracer at all by default, not even a no-op one: its presence alone put tracing handlers on every observation
     * and a Prometheus exemplar sampler (a CAS and, every 90 ms, a timer on a scheduler thread) on every meter.
     */
    @Test
    void tracerAndExemplarSamplingOnlyWithTheTracingProfile() {
        tracing(context.getBeanNamesForType(Tracer.class).length > 0, context.getBeanNamesForType(SpanContext.class).length > 0);
    }

    void tracing(boolean tracer, boolean exemplars) {
        assertThat(tracer).as("a Tracer bean").isFalse();
        assertThat(exemplars).as("a SpanContext for exemplars").isFalse();
    }

    /** Without a tracer the gateway makes no span of its own: the edge's header is forwarded unchanged. */
    void forwardedBy(String sent, String forwarded) {
        assertThat(forwarded).isEqualTo(sent);
    }
}
