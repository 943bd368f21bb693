package io.extractionguard.engine.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.decision.IdentityResolver;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.spi.HeaderSource;

class CredentialsTest {

    private static final ApiFormat CHAT = ApiFormat.OPENAI_CHAT_COMPLETIONS;
    private final IdentityResolver resolver = new IdentityResolver(
            "test-key-of-sixteen-bytes".getBytes(StandardCharsets.UTF_8), List.of());

    private static HeaderSource headers(String... nameValue) {
        Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.merge(nameValue[i], nameValue[i + 1], (a, b) -> a + "," + b); // repeated lines, joined as the filter does
        }
        return h::get;
    }

    private static String problem(ApiFormat format, String... nameValue) {
        return Credentials.problem(format, headers(nameValue), null);
    }

    @Test
    void oneKeyInAnyHeaderAnUpstreamReadsIsTheAccountWhicheverHeaderCarriesIt() {
        String bearer = resolver.resolve(headers("authorization", "Bearer sk-real"), "203.0.113.1").accountId();
        for (HeaderSource h : List.of(headers("x-api-key", "sk-real"), headers("api-key", "sk-real"),
                headers("authorization", "bearer  sk-real "), headers("authorization", "Bearer sk-real", "x-api-key", "sk-real"),
                headers("x-api-key", "sk-real", "api-key", "sk-real", "authorization", "Bearer sk-real"))) {
            for (ApiFormat format : ApiFormat.values()) {
                assertThat(Credentials.problem(format, h, null)).isNull();
            }
            assertThat(resolver.resolve(h, "198.51.100.7").accountId()).isEqualTo(bearer);
        }
        assertThat(problem(CHAT)).isNull(); // no key at all: the route's trusted edge or per-address accounting
    }

    @Test
    void aDecoyKeyBesideTheRealOneIsRefusedInEveryDialect() {
        for (ApiFormat format : ApiFormat.values()) {
            assertThat(problem(format, "authorization", "Bearer sk-real", "x-api-key", "decoy-1"))
                    .startsWith("authorization and x-api-key carry different credentials");
            assertThat(problem(format, "x-api-key", "sk-real", "api-key", "decoy-2"))
                    .startsWith("x-api-key and api-key carry different credentials");
        }
        assertThat(problem(ApiFormat.ANTHROPIC_MESSAGES, "authorization", "Bearer a", "x-api-key", "b"))
                .endsWith("send the API key once, in x-api-key");
        assertThat(problem(CHAT, "authorization", "Bearer a", "x-api-key", "b"))
                .endsWith("send the API key once, as authorization: Bearer <key>");
    }

    @Test
    void aRepeatedMalformedOrForeignCredentialIsRefusedNotAccountedByAddress() {
        assertThat(problem(CHAT, "x-api-key", "sk-a", "x-api-key", "sk-b")).startsWith("x-api-key: must carry one credential");
        assertThat(problem(CHAT, "x-api-key", "sk-a", "x-api-key", "sk-a")).startsWith("x-api-key: must carry one credential");
        assertThat(problem(CHAT, "authorization", "Bearer sk-a", "authorization", "Bearer sk-b"))
                .startsWith("authorization: must carry one credential");
        assertThat(problem(CHAT, "authorization", "Bearer sk a")).startsWith("authorization: must carry one credential");
        assertThat(problem(CHAT, "x-api-key", "")).startsWith("x-api-key: must carry one credential");
        assertThat(problem(CHAT, "authorization", "Basic dXNlcjpwYXNz"))
                .startsWith("authorization: only the Bearer scheme is accepted");
        assertThat(problem(CHAT, "x-goog-api-key", "sk-other")).startsWith("x-goog-api-key is not read by this API");
        assertThat(problem(CHAT, "authorization", "Bearer sk-a", "ocp-apim-subscription-key", "sk-a"))
                .startsWith("ocp-apim-subscription-key is not read by this API");
    }

    @Test
    void aKeyInTheQueryStringIsRefusedHoweverItsNameIsSpelled() {
        for (String query : List.of("key=sk", "api_key=sk", "beta=true&api-key=sk", "a=1;apikey=sk", "%6Bey=sk",
                "API-KEY=sk", "access_token=sk", "x-api-key", "b=2&Api_Key=")) {
            assertThat(Credentials.problem(CHAT, headers("authorization", "Bearer sk"), query)).as(query)
                    .startsWith("a key in the query string");
        }
        for (String query : List.of("beta=true", "api-version=2024-10-21", "", "keys=1", "monkey=sk", "x=key")) {
            assertThat(Credentials.queryCredential(query)).as(query).isNull();
        }
    }

    @Test
    void theBoundaryRefusesAmbiguousCredentialsOnEvaluatedEndpointsOnly() {
        RequestBoundary boundary = RequestBoundary.defaults();
        HeaderSource decoy = headers("authorization", "Bearer sk-real", "x-api-key", "decoy");
        for (String path : List.of("/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/completions",
                "/v1/messages/batches", "/v1/batches")) {
            Classification c = boundary.classify("POST", path, null, decoy);
            assertThat(c).as(path).isInstanceOf(Classification.Refused.class);
            assertThat(((Classification.Refused) c).cause()).isEqualTo(Classification.Cause.AMBIGUOUS_CREDENTIAL);
        }
        Classification keyInQuery = boundary.classify("POST", "/v1/messages", "beta=true&key=sk", headers());
        assertThat(((Classification.Refused) keyInQuery).format()).isEqualTo(ApiFormat.ANTHROPIC_MESSAGES);
        // generates nothing: passed as before
        assertThat(boundary.classify("GET", "/v1/models", null, decoy)).isInstanceOf(Classification.Passed.class);
        assertThat(boundary.classify("POST", "/v1/messages", "beta=true", headers("x-api-key", "sk")))
                .isInstanceOf(Classification.Inference.class);
    }
}
