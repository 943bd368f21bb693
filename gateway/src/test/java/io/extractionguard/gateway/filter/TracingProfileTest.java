package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.test.context.ActiveProfiles;

/** {@link TraceIdTest} with the profile {@code tracing}: the gateway's tracer continues the trace with a span of its own. */
@ActiveProfiles("tracing")
class TracingProfileTest extends TraceIdTest {

    @Override
    void tracing(boolean tracer, boolean exemplars) {
        assertThat(tracer).as("a Tracer bean").isTrue();
        assertThat(exemplars).as("a SpanContext for exemplars").isTrue();
    }

    @Override
    void forwardedBy(String sent, String forwarded) {
        assertThat(forwarded).as("same trace, the gateway's span").startsWith(sent.substring(0, 36)).isNotEqualTo(sent);
    }
}
