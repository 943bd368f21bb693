package io.extractionguard.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/**
 * Every content part the model reads besides {@code text}, per API: readable text lands in the request's content
 * (last user turn, or definition text), unreadable content is counted opaque. Issue 16: before, a task in a document,
 * a file, a stored prompt's variables or a tool description reached the model and no feature.
 */
class AttachedContentTest {

    private static final String TASK = "Implement the python function below and show your full reasoning, "
            + "including every intermediate step. Task 7: return the 7th element of an algorithm sequence.";
    private static final String STUB = "See the file.";

    private final RequestParser parser = new RequestParser();

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private InferenceRequest parse(ApiFormat format, String body) {
        ParseResult r = parser.parse(format, body.getBytes(StandardCharsets.UTF_8));
        assertThat(r).as(body).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) r).request();
    }

    private InferenceRequest anthropic(String block) {
        return parse(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":16000,\"messages\":["
                + "{\"role\":\"user\",\"content\":[" + block + ",{\"type\":\"text\",\"text\":\"" + STUB + "\"}]}]}");
    }

    private InferenceRequest chat(String part) {
        return parse(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
                + part + ",{\"type\":\"text\",\"text\":\"" + STUB + "\"}]}]}");
    }

    private InferenceRequest responses(String part) {
        return parse(ApiFormat.OPENAI_RESPONSES, "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":["
                + part + ",{\"type\":\"input_text\",\"text\":\"" + STUB + "\"}]}]}");
    }

    private static void readsTask(InferenceRequest r) {
        assertThat(r.lastUserText()).contains(TASK).contains(STUB);
        assertThat(r.opaqueParts()).isZero();
    }

    private static void opaque(InferenceRequest r, int parts) {
        assertThat(r.lastUserText()).isEqualTo(STUB);
        assertThat(r.opaqueParts()).isEqualTo(parts);
        assertThat(r.hasOpaqueContent()).isTrue();
    }

    // Anthropic Messages

    @Test
    void anthropicTextDocumentIsRead() {
        readsTask(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\","
                + "\"data\":\"" + TASK + "\"}}"));
        // the source's type after its data, as a client may order it
        readsTask(anthropic("{\"source\":{\"data\":\"" + TASK + "\",\"media_type\":\"text/plain\",\"type\":\"text\"},"
                + "\"type\":\"document\"}"));
    }

    @Test
    void anthropicContentDocumentIsRead() {
        readsTask(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"content\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"" + TASK + "\"}]}}"));
        readsTask(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"content\",\"content\":\"" + TASK + "\"}}"));
    }

    @Test
    void anthropicBase64TextDocumentIsDecoded() {
        readsTask(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"text/plain\","
                + "\"data\":\"" + b64(TASK) + "\"}}"));
    }

    @Test
    void anthropicTitleAndContextAreRead() {
        InferenceRequest r = anthropic("{\"type\":\"document\",\"title\":\"" + TASK + "\",\"context\":\"" + TASK + "\","
                + "\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\".\"}}");
        readsTask(r);
        readsTask(anthropic("{\"type\":\"search_result\",\"source\":\"https://example.com\",\"title\":\"t\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"" + TASK + "\"}]}"));
    }

    @Test
    void anthropicUnreadableSourcesAreOpaque() {
        opaque(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\","
                + "\"data\":\"" + b64("%PDF-1.7 " + TASK) + "\"}}"), 1);
        opaque(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://x.example/t.pdf\"}}"), 1);
        opaque(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"file\",\"file_id\":\"file_011\"}}"), 1);
        opaque(anthropic("{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
                + "\"data\":\"iVBORw0KGgo=\"}}"), 1);
        opaque(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"novel\",\"data\":\"x\"}}"), 1);
        // text/plain that is not base64, or not UTF-8: unreadable, not read as garbage
        opaque(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"text/plain\","
                + "\"data\":\"%%%\"}}"), 1);
        opaque(anthropic("{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"text/plain\","
                + "\"data\":\"" + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe, 0}) + "\"}}"), 1);
    }

    @Test
    void anthropicDocumentInAnEarlierTurnIsOpaqueToo() {
        InferenceRequest r = parse(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":16,\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"u\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"go\"}]}");
        assertThat(r.opaqueParts()).isEqualTo(1);
        assertThat(r.lastUserText()).isEqualTo("go");
    }

    @Test
    void anthropicToolDefinitionsAndOutputSchemaAreDefinitionText() {
        InferenceRequest r = parse(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":16,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"" + STUB + "\"}],\"tools\":[{\"name\":\"solve\",\"description\":\""
                + TASK + "\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"steps_shown_in_full\":{\"type\":"
                + "\"string\",\"description\":\"every intermediate step\"}}}}],\"output_format\":{\"type\":\"json_schema\","
                + "\"schema\":{\"type\":\"object\",\"description\":\"chain of thought\"}}}");
        assertThat(r.definitionText()).contains(TASK).contains("steps_shown_in_full").contains("every intermediate step")
                .contains("chain of thought").doesNotContain("object");
        assertThat(r.lastUserText()).isEqualTo(STUB);
        assertThat(r.toolNames()).containsExactly("solve");
        assertThat(r.opaqueParts()).isZero();
    }

    @Test
    void anthropicServerFetchedContentIsOpaque() {
        InferenceRequest r = parse(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":16,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"" + STUB + "\"}],\"tools\":[{\"type\":\"web_fetch_20250910\","
                + "\"name\":\"web_fetch\"},{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
                + "\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://mcp.example\",\"name\":\"x\"}]}");
        assertThat(r.opaqueParts()).as("web_fetch and one MCP server; web search is not").isEqualTo(2);
    }

    // OpenAI Chat Completions

    @Test
    void chatTextFileIsDecoded() {
        readsTask(chat("{\"type\":\"file\",\"file\":{\"filename\":\"task.txt\",\"file_data\":\"data:text/plain;base64,"
                + b64(TASK) + "\"}}"));
    }

    @Test
    void chatUnreadablePartsAreOpaque() {
        InferenceRequest pdf = chat("{\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,"
                + b64("%PDF") + "\"}}");
        assertThat(pdf.opaqueParts()).isEqualTo(1);
        assertThat(chat("{\"type\":\"file\",\"file\":{\"file_id\":\"file-abc\"}}").opaqueParts()).isEqualTo(1);
        assertThat(chat("{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.example/a.png\"}}").opaqueParts())
                .isEqualTo(1);
        assertThat(chat("{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}}")
                .opaqueParts()).isEqualTo(1);
        assertThat(chat("{\"type\":\"text\",\"text\":\"plain\"}").opaqueParts()).isZero();
    }

    @Test
    void chatToolAndResponseFormatDescriptionsAreDefinitionText() {
        InferenceRequest r = parse(ApiFormat.OPENAI_CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + STUB + "\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"description\":\"" + TASK + "\",\"parameters\":{\"type\":\"object\"}}}],\"response_format\":{\"type\":"
                + "\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"schema\":{\"type\":\"object\",\"properties\":{"
                + "\"steps\":{\"type\":\"array\",\"description\":\"show your full reasoning\"}}}}}}");
        assertThat(r.definitionText()).contains(TASK).contains("steps").contains("show your full reasoning");
        assertThat(r.toolNames()).containsExactly("f");
    }

    // OpenAI Responses

    @Test
    void responsesTextInputFileIsDecoded() {
        readsTask(responses("{\"type\":\"input_file\",\"filename\":\"task.txt\",\"file_data\":\"data:text/plain;base64,"
                + b64(TASK) + "\"}"));
    }

    @Test
    void responsesUnreadablePartsAreOpaque() {
        opaque(responses("{\"type\":\"input_file\",\"file_id\":\"file-1\"}"), 1);
        opaque(responses("{\"type\":\"input_file\",\"file_url\":\"https://x.example/t.pdf\"}"), 1);
        opaque(responses("{\"type\":\"input_file\",\"file_data\":\"data:application/pdf;base64," + b64("%PDF") + "\"}"), 1);
        opaque(responses("{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,iVBORw0KGgo=\"}"), 1);
    }

    @Test
    void responsesStoredPromptVariablesAreUserContentAndThePromptIsOpaque() {
        InferenceRequest r = parse(ApiFormat.OPENAI_RESPONSES, "{\"model\":\"m\",\"input\":[],\"prompt\":{\"id\":"
                + "\"pmpt_1\",\"variables\":{\"task\":\"" + TASK + "\",\"more\":{\"type\":\"input_text\",\"text\":\"x\"},"
                + "\"img\":{\"type\":\"input_image\",\"file_id\":\"file-2\"}}}}");
        assertThat(r.lastUserText()).contains(TASK).contains("x");
        assertThat(r.opaqueParts()).as("the stored prompt and the image").isEqualTo(2);
    }

    @Test
    void responsesTextFormatSchemaAndServerToolsAreRead() {
        InferenceRequest r = parse(ApiFormat.OPENAI_RESPONSES, "{\"model\":\"m\",\"input\":\"" + STUB + "\",\"text\":{"
                + "\"format\":{\"type\":\"json_schema\",\"name\":\"a\",\"schema\":{\"type\":\"object\",\"properties\":{"
                + "\"s\":{\"type\":\"string\",\"description\":\"" + TASK + "\"}}}},\"verbosity\":\"high\"},"
                + "\"tools\":[{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"https://mcp.example\"},"
                + "{\"type\":\"file_search\",\"vector_store_ids\":[\"vs_1\"]},{\"type\":\"web_search\"}]}");
        assertThat(r.definitionText()).contains(TASK).doesNotContain("high");
        assertThat(r.opaqueParts()).isEqualTo(2);
    }

    @Test
    void plainRequestsHaveNoDefinitionsAndNothingOpaque() {
        InferenceRequest r = parse(ApiFormat.ANTHROPIC_MESSAGES, "{\"model\":\"m\",\"max_tokens\":16,\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}],\"tools\":[{\"name\":\"t\"}]}");
        assertThat(r.definitionText()).isEmpty();
        assertThat(r.opaqueParts()).isZero();
    }

    @Test
    void aLongTextDocumentIsReadUpToTheBoundAndTheRestIsOpaque() {
        String big = "word ".repeat(Attachments.MAX_DECODED_BASE64 / 4 + 10_000);
        InferenceRequest r = anthropic("{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":"
                + "\"text/plain\",\"data\":\"" + b64(TASK + " " + big) + "\"}}");
        assertThat(r.lastUserText()).startsWith(TASK);
        assertThat(r.lastUserText().length()).isLessThan(Attachments.MAX_DECODED_BASE64);
        assertThat(r.opaqueParts()).isEqualTo(1);
    }
}
