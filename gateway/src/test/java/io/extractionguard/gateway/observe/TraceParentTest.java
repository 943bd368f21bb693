package io.extractionguard.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The decision line's trace id from a W3C traceparent header, when no tracer runs: only a well-formed one is taken. */
class TraceParentTest {

    @Test
    void takesTheTraceIdOfAWellFormedHeaderOnly() {
        assertThat(DecisionRecorder.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(DecisionRecorder.traceId(null)).isNull();
        assertThat(DecisionRecorder.traceId("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isNull();
        assertThat(DecisionRecorder.traceId("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).isNull();
        assertThat(DecisionRecorder.traceId("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isNull();
        assertThat(DecisionRecorder.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x")).isNull();
        assertThat(DecisionRecorder.traceId("00-4bf92f3577b34da6a3ce929d0e0e473\"-00f067aa0ba902b7-01")).isNull();
        assertThat(DecisionRecorder.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01")).isNull();
    }
}
