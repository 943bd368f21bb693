package io.extractionguard.engine.boundary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.spi.HeaderSource;
import io.extractionguard.engine.request.ApiFormat;

class RequestBoundaryTest {

    private static final HeaderSource NONE = name -> null;
    private final RequestBoundary boundary = RequestBoundary.defaults();

    private static HeaderSource headers(Map<String, String> values) {
        return values::get;
    }

    @Test
    void anInferenceEndpointUnderAnySpellingIsEvaluatedOnItsCatalogSpelling() {
        for (String raw : List.of("/v1/messages", "/v1//messages/", "/v1/MESSAGES;x=1", "/v1/x/../%6Dessages")) {
            Classification c = boundary.classify("POST", raw, NONE);
            assertThat(c).as(raw).isInstanceOfSatisfying(Classification.Inference.class, i -> {
                assertThat(i.path()).isEqualTo("/v1/messages");
                assertThat(i.format()).isEqualTo(ApiFormat.ANTHROPIC_MESSAGES);
            });
        }
    }

    @Test
    void knownNonInferenceEndpointsArePassedAndIdentifierSegmentsKeptAsSent() {
        assertThat(boundary.classify("GET", "/v1/models", NONE)).isInstanceOf(Classification.Passed.class);
        assertThat(boundary.classify("HEAD", "/v1//models", NONE)).isInstanceOf(Classification.Passed.class);
        assertThat(boundary.classify("POST", "/v1/messages/count_tokens", NONE)).isInstanceOf(Classification.Passed.class);
        assertThat(boundary.classify("GET", "/V1/Models/Claude-X", NONE)).isInstanceOfSatisfying(Classification.Passed.class,
                p -> assertThat(p.path()).isEqualTo("/v1/models/Claude-X"));
    }

    @Test
    void unknownPathsAndWrongMethodsAreRefusedUnlessTheRoutePassesUnknownPaths() {
        assertThat(boundary.classify("POST", "/v1/foo", NONE)).isInstanceOfSatisfying(Classification.Refused.class,
                r -> assertThat(r.cause()).isEqualTo(Classification.Cause.UNKNOWN_PATH));
        assertThat(boundary.classify("PUT", "/v1/messages", NONE)).isInstanceOfSatisfying(Classification.Refused.class, r -> {
            assertThat(r.cause()).isEqualTo(Classification.Cause.METHOD_NOT_ALLOWED);
            assertThat(r.message()).contains("allowed: POST");
        });
        RequestBoundary passing = new RequestBoundary(EndpointCatalog.defaults(), RequestBoundary.UnknownPaths.PASS);
        assertThat(passing.classify("POST", "/v1//foo", NONE)).isInstanceOfSatisfying(Classification.Passed.class,
                p -> assertThat(p.path()).isEqualTo("/v1/foo"));
        // passing unknown paths never lets an inference endpoint through unevaluated
        assertThat(passing.classify("POST", "/v1//messages", NONE)).isInstanceOf(Classification.Inference.class);
    }

    @Test
    void headersTheUpstreamReadsDifferentlyAreRefused() {
        assertThat(boundary.classify("GET", "/v1/messages", headers(Map.of("x-http-method-override", "POST"))))
                .isInstanceOfSatisfying(Classification.Refused.class,
                        r -> assertThat(r.cause()).isEqualTo(Classification.Cause.AMBIGUOUS_HEADER));
        assertThat(boundary.classify("POST", "/v1/messages", headers(Map.of("content-encoding", "gzip,gzip"))))
                .isInstanceOfSatisfying(Classification.Refused.class,
                        r -> assertThat(r.cause()).isEqualTo(Classification.Cause.UNSUPPORTED_ENCODING));
        assertThat(boundary.classify("GET", "/v1/models", headers(Map.of("upgrade", "WebSocket"))))
                .isInstanceOfSatisfying(Classification.Refused.class,
                        r -> assertThat(r.cause()).isEqualTo(Classification.Cause.AMBIGUOUS_HEADER));
        assertThat(boundary.classify("POST", "/v1/messages", headers(Map.of("anthropic-beta", "a;b"))))
                .isInstanceOf(Classification.Refused.class);
        assertThat(boundary.classify("POST", "/v1/messages", headers(Map.of("anthropic-beta", "a-1, b_2.3"))))
                .isInstanceOf(Classification.Inference.class);
    }

    @Test
    void unknownPathErrorsFollowTheClientsDialect() {
        Classification.Refused anthropic = (Classification.Refused) boundary.classify("POST", "/v1/x",
                headers(Map.of("anthropic-version", "2023-06-01")));
        Classification.Refused openAi = (Classification.Refused) boundary.classify("POST", "/v1/x",
                headers(Map.of("authorization", "Bearer sk")));
        assertThat(anthropic.format().isOpenAi()).isFalse();
        assertThat(openAi.format().isOpenAi()).isTrue();
    }

    @Test
    void aRouteAddsEndpointsAndBadEntriesNameTheFix() {
        EndpointCatalog catalog = EndpointCatalog.defaults().with(List.of(
                EndpointCatalog.parse("GET /v1/organizations/usage"),
                EndpointCatalog.parse("POST /v2/chat = openai-chat-completions")));
        RequestBoundary custom = new RequestBoundary(catalog, RequestBoundary.UnknownPaths.REJECT);
        assertThat(custom.classify("GET", "/v1/organizations/usage", NONE)).isInstanceOf(Classification.Passed.class);
        assertThat(custom.classify("POST", "/v2//chat", NONE)).isInstanceOfSatisfying(Classification.Inference.class,
                i -> assertThat(i.format()).isEqualTo(ApiFormat.OPENAI_CHAT_COMPLETIONS));
        assertThatThrownBy(() -> EndpointCatalog.parse("POST /v2/chat = gpt")).hasMessageContaining("unknown kind 'gpt'");
        assertThatThrownBy(() -> EndpointCatalog.parse("/v2/chat")).hasMessageContaining("expected 'METHOD /path'");
        assertThatThrownBy(() -> EndpointCatalog.parse("GET /v2//chat")).hasMessageContaining("must be canonical");
    }

    @Test
    void evaluatedEndpointsMatchBehindARoutingPrefixPassedOnesOnlyWhereListed() {
        assertThat(boundary.classify("POST", "/anthropic//v1/messages", NONE)).isInstanceOfSatisfying(
                Classification.Inference.class, i -> assertThat(i.path()).isEqualTo("/anthropic/v1/messages"));
        assertThat(boundary.classify("POST", "/down/v1/messages/batches", NONE)).isInstanceOf(Classification.Batch.class);
        assertThat(boundary.classify("GET", "/x/v1/messages", NONE)).isInstanceOfSatisfying(Classification.Refused.class,
                r -> assertThat(r.cause()).isEqualTo(Classification.Cause.METHOD_NOT_ALLOWED));
        assertThat(boundary.classify("GET", "/anthropic/v1/models", NONE)).isInstanceOfSatisfying(Classification.Refused.class,
                r -> assertThat(r.cause()).isEqualTo(Classification.Cause.UNKNOWN_PATH));
    }
}
