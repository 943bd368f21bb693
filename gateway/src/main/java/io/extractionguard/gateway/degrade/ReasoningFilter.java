package io.extractionguard.gateway.degrade;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;

import io.extractionguard.engine.request.ApiFormat;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Removes reasoning from one degraded response: Anthropic {@code thinking} and
 * {@code redacted_thinking} content blocks, OpenAI Responses {@code reasoning} output items (with
 * their summaries), Chat Completions {@code reasoning_content} / {@code reasoning} fields of messages
 * and deltas (vLLM, SGLang, DeepSeek) and their log-probabilities. A JSON body is rewritten whole ({@link #json}); an SSE stream event by event
 * ({@link #feed}), holding back at most one incomplete event: the events of a removed block or item
 * are dropped and the indices of the blocks or items after it renumbered, so a client's
 * accumulator sees a consistent message. Sequence numbers are left with their gaps.
 *
 * <p>Not thread-safe: one instance per response (its buffers arrive in order).
 */
final class ReasoningFilter {

    private final ApiFormat format;
    private final JsonMapper json;
    /** Content block (Anthropic) or output item (Responses) indices removed so far. */
    private final BitSet removed = new BitSet();
    /** Bytes of the event not yet complete, and how many of them were already searched for its end. */
    private byte[] pending = new byte[1024];
    private int pendingLength;
    private int searched;
    private int removedCount;

    ReasoningFilter(ApiFormat format, JsonMapper json) {
        this.format = format;
        this.json = json;
    }

    /** Whether responses in this format can carry reasoning this filter removes. */
    static boolean applies(ApiFormat format) {
        return format != ApiFormat.OPENAI_COMPLETIONS;
    }

    /** Blocks or items removed from this response so far. */
    int removedCount() {
        return removedCount;
    }

    /** A JSON response body without its reasoning; the same array when it had none (or is not a JSON object). */
    byte[] json(byte[] body) {
        try {
            JsonNode root = json.readTree(body);
            if (root instanceof ObjectNode object && strip(object)) {
                return json.writeValueAsBytes(object);
            }
        } catch (JacksonException e) {
            // not JSON after all: nothing to remove that a client could read as reasoning
        }
        return body;
    }

    /** Removes reasoning from a whole message / response object; whether anything was removed. */
    private boolean strip(ObjectNode object) {
        if (format == ApiFormat.OPENAI_CHAT_COMPLETIONS) {
            return chat(object, "message") == Edit.REWRITE;
        }
        String field = format == ApiFormat.ANTHROPIC_MESSAGES ? "content" : "output";
        if (!(object.get(field) instanceof ArrayNode items)) {
            return false;
        }
        boolean changed = false;
        for (int i = items.size() - 1; i >= 0; i--) {
            if (isReasoning(items.get(i))) {
                items.remove(i);
                removedCount++;
                changed = true;
            }
        }
        return changed;
    }

    private boolean isReasoning(JsonNode item) {
        String type = item.path("type").asString("");
        return format == ApiFormat.ANTHROPIC_MESSAGES
                ? type.equals("thinking") || type.equals("redacted_thinking")
                : type.equals("reasoning");
    }

    /** The complete events in {@code chunk} (and before it), reasoning removed; an incomplete one is held back. */
    byte[] feed(byte[] chunk) {
        if (pendingLength + chunk.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + chunk.length));
        }
        System.arraycopy(chunk, 0, pending, pendingLength, chunk.length);
        pendingLength += chunk.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(pendingLength);
        int start = 0;
        // a blank line may straddle the previous chunk: search again from two bytes before its end
        for (int end = eventEnd(pending, Math.max(0, searched - 2), pendingLength); end > 0;
             end = eventEnd(pending, start, pendingLength)) {
            event(pending, start, end, out);
            start = end;
        }
        System.arraycopy(pending, start, pending, 0, pendingLength - start);
        pendingLength -= start;
        searched = pendingLength;
        return out.toByteArray();
    }

    /** At the end of the stream: an incomplete last event, passed on as it came. */
    byte[] finish() {
        byte[] rest = Arrays.copyOf(pending, pendingLength);
        pendingLength = 0;
        searched = 0;
        return rest;
    }

    /** The offset just after the first blank line ending an event at or after {@code from}, or -1. */
    private static int eventEnd(byte[] b, int from, int length) {
        for (int i = from; i < length; i++) {
            if (b[i] != '\n') {
                continue;
            }
            if (i + 1 < length && b[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < length && b[i + 1] == '\r' && b[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    private void event(byte[] b, int start, int end, ByteArrayOutputStream out) {
        String name = null;
        StringBuilder data = null;
        for (String line : new String(b, start, end - start, StandardCharsets.UTF_8).split("\r?\n")) {
            if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                String value = line.substring(line.startsWith("data: ") ? 6 : 5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        ObjectNode node = null;
        if (data != null) {
            try {
                node = json.readTree(data.toString()) instanceof ObjectNode o ? o : null;
            } catch (JacksonException e) {
                node = null; // e.g. "[DONE]": passed on
            }
        }
        Edit edit = node == null ? Edit.KEEP : switch (format) {
            case ANTHROPIC_MESSAGES -> anthropic(node);
            case OPENAI_CHAT_COMPLETIONS -> chat(node, "delta");
            default -> responses(node);
        };
        switch (edit) {
            case KEEP -> out.write(b, start, end - start);
            case DROP -> {
            }
            case REWRITE -> {
                String text = (name == null ? "" : "event: " + name + "\n") + "data: " + json.writeValueAsString(node)
                        + "\n\n";
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private enum Edit { KEEP, DROP, REWRITE }

    private Edit anthropic(ObjectNode event) {
        String type = event.path("type").asString("");
        if (!type.startsWith("content_block_") || !event.path("index").canConvertToInt()) {
            return Edit.KEEP;
        }
        int index = event.path("index").asInt();
        if (type.equals("content_block_start") && isReasoning(event.path("content_block"))) {
            remove(index);
            return Edit.DROP;
        }
        String delta = event.path("delta").path("type").asString("");
        if (removed.get(index) || delta.equals("thinking_delta") || delta.equals("signature_delta")) {
            return Edit.DROP;
        }
        return renumber(event, "index", index);
    }

    /**
     * Chat Completions (a completion's {@code message}s or a chunk's {@code delta}s): the reasoning
     * self-hosted servers add ({@code reasoning_content}, {@code reasoning}) and log-probabilities removed,
     * counted once per choice.
     */
    private Edit chat(ObjectNode object, String part) {
        if (!(object.get("choices") instanceof ArrayNode choices)) {
            return Edit.KEEP;
        }
        boolean changed = false;
        for (JsonNode choice : choices) {
            if (!(choice instanceof ObjectNode c)) {
                continue;
            }
            boolean reasoning = false;
            if (c.get(part) instanceof ObjectNode m) {
                reasoning = m.remove("reasoning_content") != null | m.remove("reasoning") != null;
            }
            if (c.get("logprobs") instanceof ObjectNode) {
                c.putNull("logprobs");
                changed = true;
            }
            int index = c.path("index").asInt(0);
            if (reasoning && !removed.get(index)) {
                remove(index);
            }
            changed |= reasoning;
        }
        return changed ? Edit.REWRITE : Edit.KEEP;
    }

    private Edit responses(ObjectNode event) {
        String type = event.path("type").asString("");
        if (type.startsWith("response.reasoning")) {
            return Edit.DROP; // summary parts and text, reasoning text: whatever the item's index
        }
        if (event.get("response") instanceof ObjectNode response) {
            int before = removedCount;
            boolean changed = strip(response);
            removedCount = before; // counted by the output_item events
            return changed ? Edit.REWRITE : Edit.KEEP;
        }
        if (!event.path("output_index").canConvertToInt()) {
            return Edit.KEEP;
        }
        int index = event.path("output_index").asInt();
        if (type.startsWith("response.output_item.") && isReasoning(event.path("item"))) {
            if (!removed.get(index)) {
                remove(index);
            }
            return Edit.DROP;
        }
        return removed.get(index) ? Edit.DROP : renumber(event, "output_index", index);
    }

    private void remove(int index) {
        removed.set(index);
        removedCount++;
    }

    /** Shifts an index down past the removed ones before it. */
    private Edit renumber(ObjectNode event, String field, int index) {
        int shift = removed.get(0, Math.max(index, 0)).cardinality();
        if (shift == 0) {
            return Edit.KEEP;
        }
        event.put(field, index - shift);
        return Edit.REWRITE;
    }
}
