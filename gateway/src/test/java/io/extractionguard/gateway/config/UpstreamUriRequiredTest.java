package io.extractionguard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.extractionguard.gateway.GatewayApplication;

/**
 * The product has no default model API: started without {@code guard.upstream-uri} it refuses to start, and
 * the report a person reads first names the setting and how to set it.
 */
@ExtendWith(OutputCaptureExtension.class)
class UpstreamUriRequiredTest {

    @Test
    void withoutAnUpstreamTheGatewayDoesNotStartAndSaysWhatToSet(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(GatewayApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--guard.decision-log.enabled=false",
                        "--guard.audit.enabled=false")
                .close());
        assertThat(failure).as("the gateway started without an upstream").isNotNull();

        // the report Boot prints is ours (it comes before Boot's generic bind-failure analysis)
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START", "guard.upstream-uri is not set",
                "Set GUARD_UPSTREAM_URI", "./guard run sets it");
    }

    @Test
    void otherBindFailuresAreLeftToBoot() {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(GatewayApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--guard.upstream-uri=http://127.0.0.1:1",
                        "--guard.policy.poll-interval=not-a-duration")
                .close());
        assertThat(failure).isNotNull();
        assertThat(new UpstreamUriMissingFailureAnalyzer().analyze(failure)).isNull();
    }
}
