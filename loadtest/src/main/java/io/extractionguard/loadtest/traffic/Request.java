package io.extractionguard.loadtest.traffic;

import java.util.List;
import java.util.Map;

/**
 * An inference call before it is written in one of the three API dialects.
 *
 * @param api         which API (and so which path and body shape)
 * @param model       model name
 * @param system      system prompt, empty for none
 * @param turns       the conversation, oldest first; the last turn is the user's
 * @param tools       tools offered, empty for none
 * @param maxTokens   requested output budget, 0 to leave it out (not allowed for Anthropic)
 * @param stream      whether a streamed answer is requested
 * @param temperature sampling temperature, NaN to leave it out
 */
record Request(Api api, String model, String system, List<Turn> turns, List<Tool> tools, int maxTokens,
               boolean stream, double temperature) {

    enum Api {
        ANTHROPIC("/v1/messages"), CHAT("/v1/chat/completions"), RESPONSES("/v1/responses");

        final String path;

        Api(String path) {
            this.path = path;
        }
    }

    /** One conversation turn: plain text, or an assistant's tool calls, or the tool's results. */
    record Turn(String role, String text, List<ToolCall> calls, List<ToolResult> results) {
        static Turn user(String text) {
            return new Turn("user", text, List.of(), List.of());
        }

        static Turn assistant(String text) {
            return new Turn("assistant", text, List.of(), List.of());
        }

        static Turn toolCalls(String text, List<ToolCall> calls) {
            return new Turn("assistant", text, calls, List.of());
        }

        static Turn toolResults(List<ToolResult> results) {
            return new Turn("user", "", List.of(), results);
        }
    }

    record ToolCall(String id, String name, Map<String, String> input) {
    }

    record ToolResult(String callId, String output) {
    }

    /** A tool definition: name, description and string parameters (all required). */
    record Tool(String name, String description, List<String> params) {
    }
}
