package io.extractionguard.loadtest.traffic;

import java.io.ByteArrayOutputStream;
import java.util.Map;

import io.extractionguard.loadtest.traffic.Request.Tool;
import io.extractionguard.loadtest.traffic.Request.ToolCall;
import io.extractionguard.loadtest.traffic.Request.ToolResult;
import io.extractionguard.loadtest.traffic.Request.Turn;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Writes a {@link Request} as the JSON body its API expects (Anthropic Messages, Chat Completions, Responses).
 * Whoever asks for a long answer ({@value #REASONING_BUDGET} tokens or more) asks for the model's reasoning
 * through the API too, in every population: Anthropic extended thinking with half the budget, OpenAI
 * reasoning effort {@code high}. That is what a DEGRADE band can withhold (docs/evaluation.md).
 */
final class BodyWriter {

    private static final JsonFactory JSON = new JsonFactory();
    /** Output budget from which a request asks for the model's reasoning through the API. */
    static final int REASONING_BUDGET = 4096;

    private BodyWriter() {
    }

    static byte[] write(Request r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
            write(g, r);
        }
        return out.toByteArray();
    }

    /** Writes the body as the generator's next value. */
    static void write(JsonGenerator g, Request r) {
        g.writeStartObject();
        g.writeStringProperty("model", r.model());
        switch (r.api()) {
            case ANTHROPIC -> anthropic(g, r);
            case CHAT -> chat(g, r);
            case RESPONSES -> responses(g, r);
        }
        if (r.stream()) {
            g.writeBooleanProperty("stream", true);
        }
        if (!Double.isNaN(r.temperature())) {
            g.writeNumberProperty("temperature", r.temperature());
        }
        g.writeEndObject();
    }

    private static void anthropic(JsonGenerator g, Request r) {
        g.writeNumberProperty("max_tokens", r.maxTokens() > 0 ? r.maxTokens() : 1024);
        if (asksReasoning(r)) {
            g.writeName("thinking");
            g.writeStartObject();
            g.writeStringProperty("type", "enabled");
            g.writeNumberProperty("budget_tokens", r.maxTokens() / 2);
            g.writeEndObject();
        }
        if (!r.system().isEmpty()) {
            g.writeStringProperty("system", r.system());
        }
        g.writeName("messages");
        g.writeStartArray();
        for (Turn t : r.turns()) {
            g.writeStartObject();
            g.writeStringProperty("role", t.role());
            if (t.calls().isEmpty() && t.results().isEmpty()) {
                g.writeStringProperty("content", t.text());
            } else {
                g.writeName("content");
                g.writeStartArray();
                if (!t.text().isEmpty()) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "text");
                    g.writeStringProperty("text", t.text());
                    g.writeEndObject();
                }
                for (ToolCall c : t.calls()) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "tool_use");
                    g.writeStringProperty("id", c.id());
                    g.writeStringProperty("name", c.name());
                    g.writeName("input");
                    stringMap(g, c.input());
                    g.writeEndObject();
                }
                for (ToolResult res : t.results()) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "tool_result");
                    g.writeStringProperty("tool_use_id", res.callId());
                    g.writeStringProperty("content", res.output());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        tools(g, r, tool -> {
            g.writeStringProperty("name", tool.name());
            g.writeStringProperty("description", tool.description());
            g.writeName("input_schema");
            schema(g, tool);
        });
    }

    private static boolean asksReasoning(Request r) {
        return r.maxTokens() >= REASONING_BUDGET;
    }

    private static void chat(JsonGenerator g, Request r) {
        if (r.maxTokens() > 0) {
            g.writeNumberProperty(r.model().startsWith("o") ? "max_completion_tokens" : "max_tokens", r.maxTokens());
        }
        if (asksReasoning(r)) {
            g.writeStringProperty("reasoning_effort", "high");
        }
        g.writeName("messages");
        g.writeStartArray();
        if (!r.system().isEmpty()) {
            message(g, "system", r.system());
        }
        for (Turn t : r.turns()) {
            if (!t.results().isEmpty()) {
                for (ToolResult res : t.results()) {
                    g.writeStartObject();
                    g.writeStringProperty("role", "tool");
                    g.writeStringProperty("tool_call_id", res.callId());
                    g.writeStringProperty("content", res.output());
                    g.writeEndObject();
                }
                continue;
            }
            g.writeStartObject();
            g.writeStringProperty("role", t.role());
            g.writeStringProperty("content", t.text());
            if (!t.calls().isEmpty()) {
                g.writeName("tool_calls");
                g.writeStartArray();
                for (ToolCall c : t.calls()) {
                    g.writeStartObject();
                    g.writeStringProperty("id", c.id());
                    g.writeStringProperty("type", "function");
                    g.writeName("function");
                    g.writeStartObject();
                    g.writeStringProperty("name", c.name());
                    g.writeStringProperty("arguments", inline(c.input()));
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        tools(g, r, tool -> {
            g.writeStringProperty("type", "function");
            g.writeName("function");
            g.writeStartObject();
            g.writeStringProperty("name", tool.name());
            g.writeStringProperty("description", tool.description());
            g.writeName("parameters");
            schema(g, tool);
            g.writeEndObject();
        });
    }

    private static void responses(JsonGenerator g, Request r) {
        if (r.maxTokens() > 0) {
            g.writeNumberProperty("max_output_tokens", r.maxTokens());
        }
        if (asksReasoning(r)) {
            g.writeName("reasoning");
            g.writeStartObject();
            g.writeStringProperty("effort", "high");
            g.writeEndObject();
        }
        if (!r.system().isEmpty()) {
            g.writeStringProperty("instructions", r.system());
        }
        if (r.turns().size() == 1 && r.turns().get(0).calls().isEmpty() && r.turns().get(0).results().isEmpty()) {
            g.writeStringProperty("input", r.turns().get(0).text());
        } else {
            g.writeName("input");
            g.writeStartArray();
            for (Turn t : r.turns()) {
                for (ToolCall c : t.calls()) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "function_call");
                    g.writeStringProperty("call_id", c.id());
                    g.writeStringProperty("name", c.name());
                    g.writeStringProperty("arguments", inline(c.input()));
                    g.writeEndObject();
                }
                for (ToolResult res : t.results()) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "function_call_output");
                    g.writeStringProperty("call_id", res.callId());
                    g.writeStringProperty("output", res.output());
                    g.writeEndObject();
                }
                if (t.calls().isEmpty() && t.results().isEmpty()) {
                    message(g, t.role(), t.text());
                }
            }
            g.writeEndArray();
        }
        tools(g, r, tool -> {
            g.writeStringProperty("type", "function");
            g.writeStringProperty("name", tool.name());
            g.writeStringProperty("description", tool.description());
            g.writeName("parameters");
            schema(g, tool);
        });
    }

    /** The {@code tools} array, one object per tool written by {@code item}; nothing when there are none. */
    private static void tools(JsonGenerator g, Request r, java.util.function.Consumer<Tool> item) {
        if (r.tools().isEmpty()) {
            return;
        }
        g.writeName("tools");
        g.writeStartArray();
        for (Tool tool : r.tools()) {
            g.writeStartObject();
            item.accept(tool);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void message(JsonGenerator g, String role, String text) {
        g.writeStartObject();
        g.writeStringProperty("role", role);
        g.writeStringProperty("content", text);
        g.writeEndObject();
    }

    private static void schema(JsonGenerator g, Tool tool) {
        g.writeStartObject();
        g.writeStringProperty("type", "object");
        g.writeName("properties");
        g.writeStartObject();
        for (String p : tool.params()) {
            g.writeName(p);
            g.writeStartObject();
            g.writeStringProperty("type", "string");
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeName("required");
        g.writeStartArray();
        for (String p : tool.params()) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void stringMap(JsonGenerator g, Map<String, String> map) {
        g.writeStartObject();
        for (Map.Entry<String, String> e : map.entrySet()) {
            g.writeStringProperty(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    /** A string map as compact JSON text (OpenAI passes tool arguments as a JSON string). */
    private static String inline(Map<String, String> map) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
            stringMap(g, map);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
