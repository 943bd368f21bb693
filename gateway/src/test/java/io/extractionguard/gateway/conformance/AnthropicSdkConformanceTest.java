package io.extractionguard.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;


/** The official Anthropic Java SDK ({@code com.anthropic:anthropic-java}) against the gateway. */
class AnthropicSdkConformanceTest extends SdkConformanceBase {

    AnthropicClient client(String account, String tier, int maxRetries) {
        var builder = AnthropicOkHttpClient.builder()
                .baseUrl(gateway())
                .apiKey("sk-ant-conformance")
                .maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(30))
                .putHeader("x-account-id", account);
        if (tier != null) {
            builder.putHeader("x-account-tier", tier);
        }
        return builder.build();
    }

    static MessageCreateParams params(long maxTokens) {
        return MessageCreateParams.builder().model("claude-conformance").maxTokens(maxTokens)
                .addUserMessage("What is a good name for a ginger cat?").build();
    }

    @Test
    void aNormalCallParsesIntoAMessage() {
        Message m = client(account(), null, 0).messages().create(params(12));
        assertThat(m.content()).hasSize(1);
        assertIntactAnswer(m.content().get(0).asText().text(), 12);
        assertThat(m.usage().outputTokens()).isEqualTo(12);
        assertThat(m.usage().inputTokens()).isPositive();
    }

    @Test
    void aStreamedCallDeliversEveryEventAndTheTextIntact() {
        List<RawMessageStreamEvent> events;
        try (StreamResponse<RawMessageStreamEvent> stream = client(account(), null, 0).messages()
                .createStreaming(params(20))) {
            events = stream.stream().toList();
        }
        assertThat(events.get(0).isMessageStart()).isTrue();
        assertThat(events.get(1).isContentBlockStart()).isTrue();
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
        assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)).hasSize(20);
        String text = events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .map(e -> e.asContentBlockDelta().delta().asText().text()).collect(Collectors.joining());
        assertIntactAnswer(text, 20);
        assertThat(events.stream().filter(RawMessageStreamEvent::isMessageDelta).findFirst().orElseThrow()
                .asMessageDelta().usage().outputTokens()).isEqualTo(20);
    }

    @Test
    void aRateLimit429IsTheSdksRateLimitExceptionAndItsRetryHonoursRetryAfter() throws Exception {
        String account = account();
        client(account, "metered", 0).messages().create(params(41)); // 41 of 40 tokens: spent
        awaitSpent(account);

        RateLimitException refused = catchThrowableOfType(RateLimitException.class,
                () -> client(account, "metered", 0).messages().create(params(8)));
        long retryAfter = assertSpentBudgetRefusal(refused.statusCode(), refused.headers()::values,
                "anthropic-ratelimit-output-tokens-remaining");

        AnthropicClient retrying = client(account, "metered", 2);
        assertRetryHonoursRetryAfter(() -> retrying.messages().create(params(8)).usage().outputTokens(), 8, retryAfter);
    }

    @Test
    void aBlockIsTheSdksPermissionDeniedException() {
        PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class,
                () -> client("acct-denied", null, 2).messages().create(params(8)));
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.getMessage()).contains("not permitted");
    }

    @Test
    void theRateLimitHeadersParse() {
        String account = account();
        HttpResponseFor<Message> raw = client(account, "metered", 0).messages().withRawResponse().create(params(4));
        var h = raw.headers();
        assertThat(Long.parseLong(h.values("anthropic-ratelimit-requests-limit").get(0))).isEqualTo(1000);
        assertThat(Long.parseLong(h.values("anthropic-ratelimit-requests-remaining").get(0))).isEqualTo(999);
        assertThat(Instant.parse(h.values("anthropic-ratelimit-requests-reset").get(0))).isBetween(Instant.now().minusSeconds(5), Instant.now().plusSeconds(61));
        assertThat(Long.parseLong(h.values("anthropic-ratelimit-output-tokens-limit").get(0))).isEqualTo(40);
        assertThat(Long.parseLong(h.values("anthropic-ratelimit-output-tokens-remaining").get(0))).as("after this request's reservation of its max_tokens (4)").isEqualTo(36);
        assertThat(Instant.parse(h.values("anthropic-ratelimit-output-tokens-reset").get(0))).isNotNull();
        assertThat(Long.parseLong(h.values("anthropic-ratelimit-tokens-remaining").get(0))).as("after this request's reservation of its max_tokens (4)").isEqualTo(36);
        assertThat(raw.parse().usage().outputTokens()).isEqualTo(4);
    }
}
