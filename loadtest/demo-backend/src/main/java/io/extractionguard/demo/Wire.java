package io.extractionguard.demo;

import java.util.ArrayList;
import java.util.List;

import io.extractionguard.demo.DemoBackend.Completion;
import io.extractionguard.demo.DemoBackend.Dialect;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Response bodies and SSE events in each API's wire format. */
final class Wire {

    private Wire() {
    }

    static ObjectNode complete(Dialect dialect, Completion c) {
        return switch (dialect) {
            case ANTHROPIC -> anthropicMessage(c, true);
            case CHAT -> chatCompletion(c);
            case RESPONSES -> response(c, true);
            case COMPLETIONS -> textCompletion(c, c.text(), c.truncated() ? "length" : "stop", true);
        };
    }

    static List<String> stream(Dialect dialect, Completion c, boolean includeUsage) {
        return switch (dialect) {
            case ANTHROPIC -> anthropicStream(c);
            case CHAT -> chatStream(c, includeUsage);
            case RESPONSES -> responsesStream(c);
            case COMPLETIONS -> completionsStream(c, includeUsage);
        };
    }

    // ---- Anthropic Messages

    private static ObjectNode anthropicMessage(Completion c, boolean done) {
        ObjectNode m = DemoBackend.JSON.createObjectNode();
        m.put("id", "msg_" + c.id());
        m.put("type", "message");
        m.put("role", "assistant");
        m.put("model", c.model());
        ArrayNode content = m.putArray("content");
        if (done) {
            if (c.reasoning() != null) {
                content.addObject().put("type", "thinking").put("thinking", c.reasoning()).put("signature", SIGNATURE);
                content.addObject().put("type", "redacted_thinking").put("data", REDACTED);
            }
            content.addObject().put("type", "text").put("text", c.text());
            m.put("stop_reason", c.truncated() ? "max_tokens" : "end_turn");
        } else {
            m.putNull("stop_reason");
        }
        m.putNull("stop_sequence");
        ObjectNode usage = m.putObject("usage");
        usage.put("input_tokens", c.inputTokens());
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.put("output_tokens", done ? c.outputTokens() : 1);
        return m;
    }

    private static List<String> anthropicStream(Completion c) {
        List<String> events = new ArrayList<>();
        ObjectNode start = obj("message_start");
        start.set("message", anthropicMessage(c, false));
        events.add(sse("message_start", start));
        int index = 0;
        if (c.reasoning() != null) { // a thinking block, then a redacted one, before the text
            ObjectNode thinking = obj("content_block_start").put("index", index);
            thinking.putObject("content_block").put("type", "thinking").put("thinking", "").put("signature", "");
            events.add(sse("content_block_start", thinking));
            for (String word : c.reasoning().split("(?<= )")) {
                ObjectNode delta = obj("content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "thinking_delta").put("thinking", word);
                events.add(sse("content_block_delta", delta));
            }
            ObjectNode signature = obj("content_block_delta").put("index", index);
            signature.putObject("delta").put("type", "signature_delta").put("signature", SIGNATURE);
            events.add(sse("content_block_delta", signature));
            events.add(sse("content_block_stop", obj("content_block_stop").put("index", index++)));
            ObjectNode redacted = obj("content_block_start").put("index", index);
            redacted.putObject("content_block").put("type", "redacted_thinking").put("data", REDACTED);
            events.add(sse("content_block_start", redacted));
            events.add(sse("content_block_stop", obj("content_block_stop").put("index", index++)));
        }
        ObjectNode blockStart = obj("content_block_start").put("index", index);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        events.add(sse("content_block_start", blockStart));
        events.add(sse("ping", obj("ping")));
        for (String chunk : c.chunks()) {
            ObjectNode delta = obj("content_block_delta").put("index", index);
            delta.putObject("delta").put("type", "text_delta").put("text", chunk);
            events.add(sse("content_block_delta", delta));
        }
        events.add(sse("content_block_stop", obj("content_block_stop").put("index", index)));
        ObjectNode messageDelta = obj("message_delta");
        messageDelta.putObject("delta").put("stop_reason", c.truncated() ? "max_tokens" : "end_turn").putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", c.outputTokens());
        events.add(sse("message_delta", messageDelta));
        events.add(sse("message_stop", obj("message_stop")));
        return events;
    }

    // ---- OpenAI legacy Completions

    private static ObjectNode textCompletion(Completion c, String text, String finishReason, boolean usage) {
        ObjectNode r = DemoBackend.JSON.createObjectNode();
        r.put("id", "cmpl-" + c.id());
        r.put("object", "text_completion");
        r.put("created", c.created());
        r.put("model", c.model());
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("text", text).put("index", 0).putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (usage) {
            r.set("usage", chatUsage(c));
        }
        return r;
    }

    private static List<String> completionsStream(Completion c, boolean includeUsage) {
        List<String> events = new ArrayList<>();
        for (String chunk : c.chunks()) {
            events.add(data(textCompletion(c, chunk, null, false)));
        }
        events.add(data(textCompletion(c, "", c.truncated() ? "length" : "stop", false)));
        if (includeUsage) {
            ObjectNode usage = textCompletion(c, "", null, true);
            usage.putArray("choices");
            events.add(data(usage));
        }
        events.add("data: [DONE]\n\n");
        return events;
    }

    // ---- OpenAI Chat Completions

    private static ObjectNode chatCompletion(Completion c) {
        ObjectNode r = DemoBackend.JSON.createObjectNode();
        r.put("id", "chatcmpl-" + c.id());
        r.put("object", "chat.completion");
        r.put("created", c.created());
        r.put("model", c.model());
        r.put("system_fingerprint", "fp_demo");
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant").put("content", c.text()).putNull("refusal");
        if (c.reasoning() != null) { // vLLM / SGLang / DeepSeek: the reasoning beside the answer, under both names
            message.put("reasoning_content", c.reasoning()).put("reasoning", c.reasoning());
        }
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", c.truncated() ? "length" : "stop");
        r.set("usage", chatUsage(c));
        return r;
    }

    private static ObjectNode chatUsage(Completion c) {
        ObjectNode u = DemoBackend.JSON.createObjectNode();
        u.put("prompt_tokens", c.inputTokens());
        u.put("completion_tokens", c.outputTokens());
        u.put("total_tokens", c.inputTokens() + c.outputTokens());
        return u;
    }

    private static ObjectNode chatChunk(Completion c, boolean includeUsage) {
        ObjectNode r = DemoBackend.JSON.createObjectNode();
        r.put("id", "chatcmpl-" + c.id());
        r.put("object", "chat.completion.chunk");
        r.put("created", c.created());
        r.put("model", c.model());
        r.put("system_fingerprint", "fp_demo");
        if (includeUsage) {
            r.putNull("usage");
        }
        return r;
    }

    private static List<String> chatStream(Completion c, boolean includeUsage) {
        List<String> events = new ArrayList<>();
        ObjectNode first = chatChunk(c, includeUsage);
        ObjectNode firstChoice = first.putArray("choices").addObject().put("index", 0);
        firstChoice.putObject("delta").put("role", "assistant").put("content", "").putNull("refusal");
        firstChoice.putNull("logprobs").putNull("finish_reason");
        events.add(data(first));
        if (c.reasoning() != null) { // reasoning deltas before the content, alternating vLLM's two field names
            int i = 0;
            for (String word : c.reasoning().split("(?<= )")) {
                ObjectNode e = chatChunk(c, includeUsage);
                ObjectNode choice = e.putArray("choices").addObject().put("index", 0);
                choice.putObject("delta").put(i++ % 2 == 0 ? "reasoning_content" : "reasoning", word);
                choice.putNull("logprobs").putNull("finish_reason");
                events.add(data(e));
            }
        }
        for (String chunk : c.chunks()) {
            ObjectNode e = chatChunk(c, includeUsage);
            ObjectNode choice = e.putArray("choices").addObject().put("index", 0);
            choice.putObject("delta").put("content", chunk);
            choice.putNull("logprobs").putNull("finish_reason");
            events.add(data(e));
        }
        ObjectNode last = chatChunk(c, includeUsage);
        ObjectNode lastChoice = last.putArray("choices").addObject().put("index", 0);
        lastChoice.putObject("delta");
        lastChoice.putNull("logprobs").put("finish_reason", c.truncated() ? "length" : "stop");
        events.add(data(last));
        if (includeUsage) {
            ObjectNode usage = chatChunk(c, false);
            usage.putArray("choices");
            usage.set("usage", chatUsage(c));
            events.add(data(usage));
        }
        events.add("data: [DONE]\n\n");
        return events;
    }

    // ---- OpenAI Responses

    private static ObjectNode response(Completion c, boolean done) {
        ObjectNode r = DemoBackend.JSON.createObjectNode();
        r.put("id", "resp_" + c.id());
        r.put("object", "response");
        r.put("created_at", c.created());
        r.put("status", done ? "completed" : "in_progress");
        r.putNull("error");
        r.putNull("incomplete_details");
        r.putNull("instructions");
        if (c.maxTokens() > 0) {
            r.put("max_output_tokens", c.maxTokens());
        } else {
            r.putNull("max_output_tokens");
        }
        r.put("model", c.model());
        ArrayNode output = r.putArray("output");
        if (done) {
            if (c.reasoning() != null) {
                output.add(reasoningItem(c, true));
            }
            output.add(outputMessage(c, true));
        }
        r.put("parallel_tool_calls", true);
        r.putNull("previous_response_id");
        r.putObject("reasoning").putNull("effort").putNull("summary");
        r.put("store", false);
        r.put("temperature", 1.0);
        r.putObject("text").putObject("format").put("type", "text");
        r.put("tool_choice", "auto");
        r.putArray("tools");
        r.put("top_p", 1.0);
        r.put("truncation", "disabled");
        if (done) {
            ObjectNode u = r.putObject("usage");
            u.put("input_tokens", c.inputTokens());
            u.putObject("input_tokens_details").put("cached_tokens", 0);
            u.put("output_tokens", c.outputTokens());
            u.putObject("output_tokens_details").put("reasoning_tokens", 0);
            u.put("total_tokens", c.inputTokens() + c.outputTokens());
        } else {
            r.putNull("usage");
        }
        r.putNull("user");
        r.putObject("metadata");
        return r;
    }

    private static ObjectNode outputMessage(Completion c, boolean done) {
        ObjectNode m = DemoBackend.JSON.createObjectNode();
        m.put("type", "message");
        m.put("id", "msg_" + c.id());
        m.put("status", done ? "completed" : "in_progress");
        m.put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (done) {
            content.add(outputText(c.text()));
        }
        return m;
    }

    private static ObjectNode reasoningItem(Completion c, boolean done) {
        ObjectNode r = DemoBackend.JSON.createObjectNode();
        r.put("type", "reasoning");
        r.put("id", "rs_" + c.id());
        ArrayNode summary = r.putArray("summary");
        if (done) {
            summary.addObject().put("type", "summary_text").put("text", c.reasoning());
        }
        return r;
    }

    private static ObjectNode outputText(String text) {
        ObjectNode part = DemoBackend.JSON.createObjectNode();
        part.put("type", "output_text").put("text", text);
        part.putArray("annotations");
        return part;
    }

    private static List<String> responsesStream(Completion c) {
        List<String> events = new ArrayList<>();
        int[] seq = {0};
        String itemId = "msg_" + c.id();
        ObjectNode created = obj("response.created");
        created.set("response", response(c, false));
        events.add(sse(created, seq));
        ObjectNode inProgress = obj("response.in_progress");
        inProgress.set("response", response(c, false));
        events.add(sse(inProgress, seq));
        int out = 0;
        if (c.reasoning() != null) { // a reasoning item with one summary part, before the message
            String rs = "rs_" + c.id();
            ObjectNode item = obj("response.output_item.added").put("output_index", out);
            item.set("item", reasoningItem(c, false));
            events.add(sse(item, seq));
            ObjectNode part = obj("response.reasoning_summary_part.added").put("item_id", rs).put("output_index", out)
                    .put("summary_index", 0);
            part.putObject("part").put("type", "summary_text").put("text", "");
            events.add(sse(part, seq));
            for (String word : c.reasoning().split("(?<= )")) {
                events.add(sse(obj("response.reasoning_summary_text.delta").put("item_id", rs).put("output_index", out)
                        .put("summary_index", 0).put("delta", word), seq));
            }
            events.add(sse(obj("response.reasoning_summary_text.done").put("item_id", rs).put("output_index", out)
                    .put("summary_index", 0).put("text", c.reasoning()), seq));
            ObjectNode partDone = obj("response.reasoning_summary_part.done").put("item_id", rs).put("output_index", out)
                    .put("summary_index", 0);
            partDone.putObject("part").put("type", "summary_text").put("text", c.reasoning());
            events.add(sse(partDone, seq));
            ObjectNode itemDone = obj("response.output_item.done").put("output_index", out++);
            itemDone.set("item", reasoningItem(c, true));
            events.add(sse(itemDone, seq));
        }
        ObjectNode added = obj("response.output_item.added").put("output_index", out);
        added.set("item", outputMessage(c, false));
        events.add(sse(added, seq));
        ObjectNode partAdded = obj("response.content_part.added").put("item_id", itemId)
                .put("output_index", out).put("content_index", 0);
        partAdded.set("part", outputText(""));
        events.add(sse(partAdded, seq));
        for (String chunk : c.chunks()) {
            ObjectNode delta = obj("response.output_text.delta").put("item_id", itemId)
                    .put("output_index", out).put("content_index", 0).put("delta", chunk);
            delta.putArray("logprobs");
            events.add(sse(delta, seq));
        }
        ObjectNode textDone = obj("response.output_text.done").put("item_id", itemId)
                .put("output_index", out).put("content_index", 0).put("text", c.text());
        textDone.putArray("logprobs");
        events.add(sse(textDone, seq));
        ObjectNode partDone = obj("response.content_part.done").put("item_id", itemId)
                .put("output_index", out).put("content_index", 0);
        partDone.set("part", outputText(c.text()));
        events.add(sse(partDone, seq));
        ObjectNode itemDone = obj("response.output_item.done").put("output_index", out);
        itemDone.set("item", outputMessage(c, true));
        events.add(sse(itemDone, seq));
        ObjectNode completed = obj("response.completed");
        completed.set("response", response(c, true));
        events.add(sse(completed, seq));
        return events;
    }

    // ---- helpers

    /** Stand-ins for the opaque signature of a thinking block and the data of a redacted one. */
    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDemoSignature";
    private static final String REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP";

    private static ObjectNode obj(String type) {
        return DemoBackend.JSON.createObjectNode().put("type", type);
    }

    private static String sse(String event, ObjectNode data) {
        return "event: " + event + "\ndata: " + DemoBackend.JSON.writeValueAsString(data) + "\n\n";
    }

    private static String sse(ObjectNode data, int[] seq) {
        data.put("sequence_number", seq[0]++);
        return sse(data.get("type").asString(), data);
    }

    private static String data(ObjectNode data) {
        return "data: " + DemoBackend.JSON.writeValueAsString(data) + "\n\n";
    }
}
