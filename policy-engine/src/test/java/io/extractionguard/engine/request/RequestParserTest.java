package io.extractionguard.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class RequestParserTest {

    private final RequestParser parser = new RequestParser();

    private InferenceRequest parsed(ApiFormat format, String json) {
        ParseResult r = parser.parse(format, json.getBytes(StandardCharsets.UTF_8));
        assertThat(r).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) r).request();
    }

    private ParseError failed(ApiFormat format, String json) {
        return failed(format, json.getBytes(StandardCharsets.UTF_8));
    }

    private ParseError failed(ApiFormat format, byte[] body) {
        ParseResult r = parser.parse(format, body);
        assertThat(r).isInstanceOf(ParseResult.Failed.class);
        return ((ParseResult.Failed) r).error();
    }

    @Test
    void anthropicMessagesWithSystemBlocksToolsAndHistory() {
        InferenceRequest r = parsed(ApiFormat.ANTHROPIC_MESSAGES, """
                {"model":"claude-x","max_tokens":2048,"stream":true,"temperature":0.2,
                 "system":[{"type":"text","text":"You are terse."}],
                 "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object"}}],
                 "messages":[
                   {"role":"user","content":"first question"},
                   {"role":"assistant","content":[{"type":"text","text":"an answer"},{"type":"tool_use","id":"t","name":"get_weather","input":{"city":"Oslo"}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"rain"}]},{"type":"text","text":"and tomorrow?"}]}
                 ]}""");
        assertThat(r.format()).isEqualTo(ApiFormat.ANTHROPIC_MESSAGES);
        assertThat(r.model()).isEqualTo("claude-x");
        assertThat(r.systemText()).isEqualTo("You are terse.");
        assertThat(r.lastUserText()).isEqualTo("rain\nand tomorrow?");
        assertThat(r.historyChars()).as("earlier turns and the tool call's arguments")
                .isEqualTo("first question".length() + "an answer".length() + "Oslo".length());
        assertThat(r.turns()).isEqualTo(3);
        assertThat(r.toolNames()).containsExactly("get_weather");
        assertThat(r.maxOutputTokens()).isEqualTo(2048);
        assertThat(r.stream()).isTrue();
        assertThat(r.temperature()).isEqualTo(0.2);
    }

    @Test
    void openAiChatCompletionsTakesSystemAndDeveloperRolesAndFunctionTools() {
        InferenceRequest r = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS, """
                {"model":"gpt-x","max_completion_tokens":512,
                 "tools":[{"type":"function","function":{"name":"search","parameters":{}}}],
                 "messages":[{"role":"system","content":"Be brief."},
                             {"role":"developer","content":[{"type":"text","text":"No emojis."}]},
                             {"role":"user","content":[{"type":"text","text":"hello"},{"type":"image_url","image_url":{"url":"data:x"}}]}]}""");
        assertThat(r.systemText()).isEqualTo("Be brief.\nNo emojis.");
        assertThat(r.lastUserText()).isEqualTo("hello");
        assertThat(r.toolNames()).containsExactly("search");
        assertThat(r.maxOutputTokens()).isEqualTo(512);
        assertThat(r.stream()).isFalse();
        assertThat(r.temperature()).isNaN();
    }

    @Test
    void openAiResponsesAcceptsStringInputOrItemsAndInstructions() {
        InferenceRequest simple = parsed(ApiFormat.OPENAI_RESPONSES,
                "{\"model\":\"gpt-x\",\"input\":\"tell me a story\",\"instructions\":\"Be kind.\",\"max_output_tokens\":99}");
        assertThat(simple.lastUserText()).isEqualTo("tell me a story");
        assertThat(simple.systemText()).isEqualTo("Be kind.");
        assertThat(simple.maxOutputTokens()).isEqualTo(99);

        InferenceRequest items = parsed(ApiFormat.OPENAI_RESPONSES, """
                {"model":"gpt-x","tools":[{"type":"web_search"}],
                 "input":[{"role":"user","content":[{"type":"input_text","text":"look it up"}]},
                          {"type":"function_call_output","call_id":"c","output":"42 results"},
                          {"type":"message","role":"user","content":"summarise"}]}""");
        assertThat(items.lastUserText()).as("a tool result is the user side, with the text after it")
                .isEqualTo("42 results\nsummarise");
        assertThat(items.historyChars()).isEqualTo("look it up".length());
        assertThat(items.toolNames()).containsExactly("web_search");
        assertThat(items.maxOutputTokens()).isEqualTo(-1);
    }

    @Test
    void aFollowUpKeepsItsConversationsRootAndANewConversationDoesNot() {
        InferenceRequest first = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"sort this list\"}]}");
        InferenceRequest followUp = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"sort this list\"},"
                + "{\"role\":\"assistant\",\"content\":\"done\"},{\"role\":\"user\",\"content\":\"why?\"}]}");
        InferenceRequest other = parsed(ApiFormat.OPENAI_RESPONSES, "{\"model\":\"m\",\"input\":\"sort that list\"}");
        InferenceRequest sameAsInput = parsed(ApiFormat.OPENAI_RESPONSES, "{\"model\":\"m\",\"input\":\"sort this list\"}");
        assertThat(first.rootHash()).isNotZero().isEqualTo(followUp.rootHash()).isEqualTo(sameAsInput.rootHash());
        assertThat(other.rootHash()).isNotEqualTo(first.rootHash());
    }

    @Test
    void fieldsOfOtherDialectsAreIgnoredNotMisread() {
        InferenceRequest r = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"system\":\"not a chat field\",\"input\":\"nor this\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.systemText()).isEmpty();
        assertThat(r.lastUserText()).isEqualTo("hi");
    }

    @Test
    void onlyTheDialectsOwnBudgetFieldIsReadAndAnotherIsRefused() {
        String chat = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        // the red team's shadow: vLLM and SGLang generate max_completion_tokens (16000); the last (16) was read
        ParseError both = failed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"max_completion_tokens\":16000," + chat + ",\"max_tokens\":16}");
        assertThat(both.kind()).isEqualTo(ParseError.Kind.INVALID_REQUEST);
        assertThat(both.message()).startsWith("max_tokens: setting max_tokens and max_completion_tokens");
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"max_tokens\":16,"
                + "\"max_completion_tokens\":16," + chat + "}").message()).isEqualTo(both.message());
        // null is unset for every reader: the other one is the budget
        assertThat(parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"max_completion_tokens\":16000,"
                + chat + ",\"max_tokens\":null}").maxOutputTokens()).isEqualTo(16000);
        assertThat(parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"max_completion_tokens\":null,"
                + chat + ",\"max_tokens\":700}").maxOutputTokens()).isEqualTo(700);

        String anthropic = "{\"model\":\"m\",\"max_tokens\":16000," + chat + ",\"%s\":64}";
        String responses = "{\"model\":\"m\",\"input\":\"hi\",\"max_output_tokens\":16000,\"%s\":64}";
        String completions = "{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":16000,\"%s\":64}";
        for (String foreign : new String[]{"max_completion_tokens", "max_output_tokens"}) {
            assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, anthropic.formatted(foreign)).message())
                    .isEqualTo(foreign + ": not a field of this API; its output budget is max_tokens");
            assertThat(failed(ApiFormat.OPENAI_COMPLETIONS, completions.formatted(foreign)).message())
                    .startsWith(foreign + ": not a field of this API");
        }
        for (String foreign : new String[]{"max_tokens", "max_completion_tokens"}) {
            assertThat(failed(ApiFormat.OPENAI_RESPONSES, responses.formatted(foreign)).message())
                    .isEqualTo(foreign + ": not a field of this API; its output budget is max_output_tokens");
        }
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"max_output_tokens\":null," + chat
                + "}").message()).startsWith("max_output_tokens: not a field of this API");
    }

    @Test
    void malformedTruncatedAndNonObjectBodiesAreTypedErrors() {
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":").kind()).isEqualTo(ParseError.Kind.MALFORMED_JSON);
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "not json").kind()).isEqualTo(ParseError.Kind.MALFORMED_JSON);
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "").message()).contains("empty");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "[1,2]").message()).isEqualTo("request body must be a JSON object");
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"messages\":[]} trailing").kind()).isEqualTo(ParseError.Kind.MALFORMED_JSON);
    }

    @Test
    void invalidUtf8IsAMalformedBodyNotACrash() {
        byte[] body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"X\"}]}".getBytes(StandardCharsets.UTF_8);
        int x = new String(body, StandardCharsets.UTF_8).indexOf('X');
        body[x] = (byte) 0xC3; // a lead byte followed by a quote: invalid sequence
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS, body).kind()).isEqualTo(ParseError.Kind.MALFORMED_JSON);
    }

    @Test
    void missingAndMistypedFieldsNameTheField() {
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "{\"max_tokens\":5,\"messages\":[]}").message())
                .isEqualTo("model: field required");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"messages\":[]}").message())
                .isEqualTo("max_tokens: field required");
        assertThat(failed(ApiFormat.OPENAI_RESPONSES, "{\"model\":\"m\"}").message()).isEqualTo("input: field required");
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":{}}").message())
                .isEqualTo("messages: must be an array");
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}").message())
                .isEqualTo("messages[0].role: field required");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES,
                "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}").message())
                .isEqualTo("messages[0].role: must be 'user' or 'assistant'");
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[]}").message())
                .isEqualTo("stream: must be a boolean");
        assertThat(failed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":42}]}").message())
                .isEqualTo("messages[0].content: must be a string or an array of content parts");
    }

    @Test
    void absurdMaxTokensAreRejectedWithTheAllowedRange() {
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":99999999999,\"messages\":[]}").message())
                .isEqualTo("max_tokens: must be between 1 and 1000000, was 99999999999");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[]}").message())
                .startsWith("max_tokens: must be between 1 and");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[]}").message())
                .isEqualTo("max_tokens: must be an integer");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES,
                "{\"model\":\"m\",\"max_tokens\":123456789012345678901234567890,\"messages\":[]}").message())
                .startsWith("max_tokens: must be an integer between 1 and");
    }

    @Test
    void deeplyNestedBodiesHitTheNestingLimit() {
        String nested = "[".repeat(200) + "]".repeat(200);
        ParseError e = failed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"metadata\":" + nested + ",\"messages\":[]}");
        assertThat(e.kind()).isEqualTo(ParseError.Kind.LIMIT_EXCEEDED);
        assertThat(e.message()).contains("nesting depth 64");
    }

    @Test
    void unknownPathIsAnUnknownFormat() {
        ParseResult r = parser.parse("/v1/embeddings", "{}".getBytes(), 0, 2);
        assertThat(((ParseResult.Failed) r).error().kind()).isEqualTo(ParseError.Kind.UNKNOWN_FORMAT);
    }

    @Test
    void formatIsRecognisedBehindARoutingPrefixButNotForSubResources() {
        assertThat(ApiFormat.forPath("/anthropic/v1/messages")).contains(ApiFormat.ANTHROPIC_MESSAGES);
        assertThat(ApiFormat.forPath("/v1/chat/completions/")).contains(ApiFormat.OPENAI_CHAT_COMPLETIONS);
        assertThat(ApiFormat.forPath("/v1/messages/count_tokens")).isEmpty();
        assertThat(ApiFormat.forPath("/v1/models")).isEmpty();
    }

    @Test
    void errorMessagesNeverEchoBodyContent() {
        ParseError e = failed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":{\"secret\":\"sk-live-123\"}}]}");
        assertThat(e.message()).doesNotContain("sk-live-123").doesNotContain("secret");
    }

    @Test
    void ambiguousBodiesAreRefusedNotGuessed() {
        String ok = "{\"model\":\"m\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        parsed(ApiFormat.ANTHROPIC_MESSAGES, ok);
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, ok.replace("\"max_tokens\":8,", "\"max_tokens\":8,\"max_tokens\":9,"))
                .message()).startsWith("request body has a key twice").doesNotContain("max_tokens");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, ok.replace("\"max_tokens\":8,", "\"max_tokens\":8,\"metadata\":{\"a\":1,\"a\":2},"))
                .message()).startsWith("request body has a key twice");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, ("\uFEFF" + ok)).message()).contains("byte-order mark");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, ok.getBytes(StandardCharsets.UTF_16LE)).message()).contains("not UTF-8");
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, ok.getBytes(StandardCharsets.UTF_16BE)).message()).contains("not UTF-8");
        for (String bad : new String[]{"\u00ff", "\u00c0\u00af", "\u00ed\u00a0\u0080", "\u00f4\u0090\u0080\u0080", "\u00e2\u0082"}) {
            byte[] body = ok.replace("hi", bad).getBytes(StandardCharsets.ISO_8859_1);
            assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, body).message()).as(bad).contains("not valid UTF-8");
        }
        parsed(ApiFormat.ANTHROPIC_MESSAGES, ok.replace("hi", "Grüße 𝄞 中"));
        assertThat(failed(ApiFormat.ANTHROPIC_MESSAGES, ok.replace("\"max_tokens\":8", "\"max_tokens\":8,\"temperature\":1e999"))
                .message()).contains("temperature: must be a finite number");
    }

    @Test
    void legacyCompletionsReadThePromptAndMultiplyTheOutputAppetite() {
        InferenceRequest one = parsed(ApiFormat.OPENAI_COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"Say hi\",\"suffix\":\"end\"}");
        assertThat(one.lastUserText()).isEqualTo("Say hi\nend");
        assertThat(one.maxOutputTokens()).as("the API's default").isEqualTo(16);
        assertThat(one.outputAppetite()).isEqualTo(16);
        InferenceRequest many = parsed(ApiFormat.OPENAI_COMPLETIONS,
                "{\"model\":\"m\",\"prompt\":[\"a\",\"b\",\"c\"],\"max_tokens\":100,\"n\":2,\"best_of\":5}");
        assertThat(many.lastUserText()).isEqualTo("a\nb\nc");
        assertThat(many.choices()).isEqualTo(15);
        assertThat(many.outputAppetite()).isEqualTo(1500);
        InferenceRequest chat = parsed(ApiFormat.OPENAI_CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"n\":8,\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(chat.outputAppetite()).isEqualTo(4000);
        assertThat(failed(ApiFormat.OPENAI_COMPLETIONS, "{\"model\":\"m\",\"prompt\":[1,2,3]}").message())
                .contains("token-id prompts are not accepted");
        assertThat(failed(ApiFormat.OPENAI_COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"x\",\"n\":1000}").message())
                .isEqualTo("n: must be between 1 and 128, was 1000");
        assertThat(failed(ApiFormat.OPENAI_COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"x\",\"n\":4,\"best_of\":2}").message())
                .isEqualTo("best_of: must be at least n");
        assertThat(failed(ApiFormat.OPENAI_COMPLETIONS, "{\"model\":\"m\"}").message()).isEqualTo("prompt: field required");
    }
}
