package io.extractionguard.gateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;


/** The official OpenAI Java SDK ({@code com.openai:openai-java}) against the gateway. */
class OpenAiSdkConformanceTest extends SdkConformanceBase {

    OpenAIClient client(String account, String tier, int maxRetries) {
        var builder = OpenAIOkHttpClient.builder()
                .baseUrl(gateway() + "/v1")
                .apiKey("sk-conformance")
                .maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(30))
                .putHeader("x-account-id", account);
        if (tier != null) {
            builder.putHeader("x-account-tier", tier);
        }
        return builder.build();
    }

    static ChatCompletionCreateParams chat(long maxTokens) {
        return ChatCompletionCreateParams.builder().model("gpt-conformance").maxCompletionTokens(maxTokens)
                .addUserMessage("What is a good name for a ginger cat?").build();
    }

    static ResponseCreateParams responses(long maxTokens) {
        return ResponseCreateParams.builder().model("gpt-conformance").maxOutputTokens(maxTokens)
                .input("What is a good name for a ginger cat?").build();
    }

    @Test
    void normalChatCompletionAndResponsesCallsParse() {
        OpenAIClient client = client(account(), null, 0);
        ChatCompletion c = client.chat().completions().create(chat(12));
        assertIntactAnswer(c.choices().get(0).message().content().orElseThrow(), 12);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(12);

        Response r = client.responses().create(responses(9));
        assertIntactAnswer(r.output().get(0).asMessage().content().get(0).asOutputText().text(), 9);
        assertThat(r.usage().orElseThrow().outputTokens()).isEqualTo(9);
    }

    @Test
    void aStreamedChatCompletionDeliversEveryChunkAndTheClientSeesOnlyWhatItAskedFor() {
        OpenAIClient client = client(account(), null, 0);
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat(20))) {
            chunks = stream.stream().toList();
        }
        assertThat(chunks).as("no usage-only chunk the client did not ask for")
                .allSatisfy(c -> assertThat(c.choices()).hasSize(1));
        assertIntactAnswer(chunks.stream().map(c -> c.choices().get(0).delta().content().orElse(""))
                .collect(Collectors.joining()), 20);

        ChatCompletionCreateParams withUsage = chat(20).toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(withUsage)) {
            chunks = stream.stream().toList();
        }
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(20);
    }

    @Test
    void aStreamedResponseDeliversEveryEventAndTheTextIntact() {
        List<ResponseStreamEvent> events;
        try (StreamResponse<ResponseStreamEvent> stream = client(account(), null, 0).responses()
                .createStreaming(responses(15))) {
            events = stream.stream().toList();
        }
        assertThat(events.get(0).isCreated()).isTrue();
        String deltas = events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                .map(e -> e.asOutputTextDelta().delta()).collect(Collectors.joining());
        assertIntactAnswer(deltas, 15);
        assertThat(events.stream().filter(ResponseStreamEvent::isOutputTextDone).findFirst().orElseThrow()
                .asOutputTextDone().text()).isEqualTo(deltas);
        ResponseStreamEvent completed = events.get(events.size() - 1);
        assertThat(completed.isCompleted()).isTrue();
        assertThat(completed.asCompleted().response().usage().orElseThrow().outputTokens()).isEqualTo(15);
    }

    @Test
    void aRateLimit429IsTheSdksRateLimitExceptionAndItsRetryHonoursRetryAfter() throws Exception {
        String account = account();
        client(account, "metered", 0).chat().completions().create(chat(41)); // 41 of 40 tokens: spent
        awaitSpent(account);

        RateLimitException refused = catchThrowableOfType(RateLimitException.class,
                () -> client(account, "metered", 0).chat().completions().create(chat(8)));
        long retryAfter = assertSpentBudgetRefusal(refused.statusCode(), refused.headers()::values,
                "x-ratelimit-remaining-tokens");

        OpenAIClient retrying = client(account, "metered", 2);
        assertRetryHonoursRetryAfter(() -> retrying.responses().create(responses(8)).usage().orElseThrow().outputTokens(),
                8, retryAfter);
    }

    @Test
    void aBlockIsTheSdksPermissionDeniedException() {
        PermissionDeniedException e = catchThrowableOfType(PermissionDeniedException.class,
                () -> client("acct-denied", null, 2).chat().completions().create(chat(8)));
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.code()).contains("access_denied");
    }

    @Test
    void theRateLimitHeadersParse() {
        HttpResponseFor<ChatCompletion> raw = client(account(), "metered", 0).chat().completions()
                .withRawResponse().create(chat(4));
        var h = raw.headers();
        assertThat(Long.parseLong(h.values("x-ratelimit-limit-requests").get(0))).isEqualTo(1000);
        assertThat(Long.parseLong(h.values("x-ratelimit-remaining-requests").get(0))).isEqualTo(999);
        assertThat(h.values("x-ratelimit-reset-requests").get(0)).matches("(\\d+h)?(\\d+m)?\\d+s");
        assertThat(Long.parseLong(h.values("x-ratelimit-limit-tokens").get(0))).isEqualTo(40);
        assertThat(Long.parseLong(h.values("x-ratelimit-remaining-tokens").get(0))).as("after this request's reservation of its max_tokens (4)").isEqualTo(36);
        assertThat(h.values("x-ratelimit-reset-tokens").get(0)).matches("(\\d+h)?(\\d+m)?\\d+s");
        assertThat(raw.parse().usage().orElseThrow().completionTokens()).isEqualTo(4);
    }
}
