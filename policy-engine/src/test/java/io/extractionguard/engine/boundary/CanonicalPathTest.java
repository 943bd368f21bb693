package io.extractionguard.engine.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/v1/messages /v1/messages",
            "/v1//messages /v1/messages",
            "//v1///messages/ /v1/messages",
            "/v1/./messages /v1/messages",
            "/v1/x/../messages /v1/messages",
            "/v1/x/%2e%2E/messages /v1/messages",
            "/v1/%6Dessages /v1/messages",
            "/v1/%6d%65ssages /v1/messages",
            "/v1/messages;a=b /v1/messages",
            "/v1;x/messages;y=1;z /v1/messages",
            "/v1/messages/. /v1/messages",
            "/v1/MESSAGES /v1/MESSAGES",
            "/ /",
            "/v1/files/file-abc_123 /v1/files/file-abc_123",
    })
    void resolvesWhatUpstreamsResolve(String raw, String canonical) {
        CanonicalPath path = CanonicalPath.of(raw);
        assertThat(path.problem()).isNull();
        assertThat(path.value()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @CsvSource({
            "/v1/messages%2F, encoded reserved",
            "/v1%2fmessages, encoded reserved",
            "/v1/messages%00, encoded reserved",
            "/v1/%5C/messages, encoded reserved",
            "/v1/%256D, encoded reserved",
            "/v1/%3Bx, encoded reserved",
            "/v1/messages%G1, invalid percent",
            "/v1/messages%4, invalid percent",
            "/v1/../../messages, above the root",
            "v1/messages, must start",
    })
    void refusesWhatUpstreamsResolveDifferently(String raw, String problem) {
        CanonicalPath path = CanonicalPath.of(raw);
        assertThat(path.value()).isNull();
        assertThat(path.problem()).contains(problem);
    }

    @org.junit.jupiter.api.Test
    void refusesBackslashesControlAndNonAsciiCharacters() {
        assertThat(CanonicalPath.of("/v1\\messages").ok()).isFalse();
        assertThat(CanonicalPath.of("/v1/mess\u0000ages").ok()).isFalse();
        assertThat(CanonicalPath.of("/v1/méssages").ok()).isFalse();
    }

    @org.junit.jupiter.api.Test
    void aCanonicalPathIsReturnedAsIs() {
        String raw = "/v1/chat/completions";
        assertThat(CanonicalPath.of(raw).value()).isSameAs(raw);
    }
}
