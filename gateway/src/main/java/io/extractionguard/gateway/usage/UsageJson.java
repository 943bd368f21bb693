package io.extractionguard.gateway.usage;

import java.util.Set;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Reads usage from the JSON tokens of a response body or of one streamed event, one token at a
 * time, so it serves both a non-blocking parser fed buffer by buffer and a parser over one SSE
 * event. It understands the three APIs at once, since their usage objects do not collide:
 *
 * <ul>
 *   <li>{@code usage} at the top ({@code input_tokens}, {@code output_tokens}, Anthropic's
 *       {@code cache_creation_input_tokens} / {@code cache_read_input_tokens}, OpenAI Chat's
 *       {@code prompt_tokens} / {@code completion_tokens}), under {@code message} (Anthropic
 *       {@code message_start}) or under {@code response} (Responses {@code response.completed});
 *       the latest usage object wins, so cumulative figures ({@code message_delta}) replace earlier ones;</li>
 *   <li>the characters of generated text seen so far (text, reasoning and tool-argument deltas, and
 *       the content of non-streamed answers), to estimate a response that ends without usage.</li>
 * </ul>
 *
 * Not thread-safe; one instance per response.
 */
final class UsageJson {

    private static final Set<String> USAGE_PATHS = Set.of("usage", "message.usage", "response.usage");
    private static final Set<String> INPUT_FIELDS = Set.of("input_tokens", "prompt_tokens",
            "cache_creation_input_tokens", "cache_read_input_tokens");
    private static final Set<String> OUTPUT_FIELDS = Set.of("output_tokens", "completion_tokens");
    /** Generated text: Anthropic deltas, Chat deltas, Responses deltas, and non-streamed answers. */
    private static final Set<String> TEXT_PATHS = Set.of("delta.text", "delta.thinking", "delta.partial_json",
            "choices[].delta.content", "choices[].delta.reasoning_content",
            "choices[].delta.tool_calls[].function.arguments", "delta",
            "content[].text", "content[].thinking", "choices[].message.content", "output[].content[].text");
    private static final Set<String> TEXT_CONTAINERS = Set.of("", "delta", "choices[].delta",
            "choices[].delta.tool_calls[].function", "content[]", "choices[].message", "output[].content[]");
    private static final int MAX_DEPTH = 32;

    private final String[] containers = new String[MAX_DEPTH + 1];
    private final boolean[] arrays = new boolean[MAX_DEPTH + 1];
    private final int[] entries = new int[MAX_DEPTH + 1];
    private int depth = -1;
    private int skipped; // nesting below MAX_DEPTH, not tracked

    private long input = -1;
    private long output = -1;
    private long textChars;
    // the usage object being read
    private boolean inUsage;
    private int usageDepth;
    private long usageInput;
    private long usageOutput;
    private boolean usageHasInput;
    private boolean usageHasOutput;
    // per top-level value (one SSE event): a Chat chunk with no choices and a usage object
    private boolean emptyChoices;
    private boolean sawUsageObject;

    /** Processes the parser's current token. */
    void token(JsonParser p, JsonToken t) {
        if (skipped > 0) {
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                skipped++;
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                skipped--;
            }
            return;
        }
        if (depth >= 0 && t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY && t != JsonToken.PROPERTY_NAME) {
            entries[depth]++;
        }
        switch (t) {
            case START_OBJECT, START_ARRAY -> {
                if (depth == -1) {
                    emptyChoices = false;
                    sawUsageObject = false;
                }
                if (depth == MAX_DEPTH) {
                    skipped = 1;
                    return;
                }
                String path = depth == -1 ? "" : childPath(p);
                depth++;
                containers[depth] = path;
                arrays[depth] = t == JsonToken.START_ARRAY;
                entries[depth] = 0;
                if (t == JsonToken.START_OBJECT && USAGE_PATHS.contains(path)) {
                    inUsage = true;
                    usageDepth = depth;
                    usageInput = 0;
                    usageOutput = 0;
                    usageHasInput = false;
                    usageHasOutput = false;
                    sawUsageObject = true;
                }
            }
            case END_OBJECT, END_ARRAY -> {
                if (inUsage && depth == usageDepth) {
                    inUsage = false;
                    if (usageHasInput) {
                        input = usageInput;
                    }
                    if (usageHasOutput) {
                        output = usageOutput;
                    }
                }
                if (t == JsonToken.END_ARRAY && depth == 1 && "choices".equals(containers[depth]) && entries[depth] == 0) {
                    emptyChoices = true;
                }
                depth--;
            }
            case VALUE_NUMBER_INT -> {
                if (inUsage && depth == usageDepth) {
                    String name = p.currentName();
                    long v = Math.max(0, p.getValueAsLong(0));
                    if (INPUT_FIELDS.contains(name)) {
                        usageInput += v;
                        usageHasInput = true;
                    } else if (OUTPUT_FIELDS.contains(name)) {
                        usageOutput = v;
                        usageHasOutput = true;
                    }
                }
            }
            case VALUE_STRING -> {
                if (depth >= 0 && TEXT_CONTAINERS.contains(containers[depth]) && TEXT_PATHS.contains(childPath(p))) {
                    textChars += p.getStringLength();
                }
            }
            default -> {
            }
        }
    }

    private String childPath(JsonParser p) {
        String parent = containers[depth];
        if (arrays[depth]) {
            return parent + "[]";
        }
        String name = p.currentName();
        return parent.isEmpty() ? name : parent + "." + name;
    }

    /** Input tokens of the latest usage object, -1 when none was seen. */
    long input() {
        return input;
    }

    /** Output tokens of the latest usage object, -1 when none was seen. */
    long output() {
        return output;
    }

    /** Characters of generated text seen. */
    long textChars() {
        return textChars;
    }

    /** Whether the last complete top-level value was a Chat chunk carrying only usage (no choices). */
    boolean lastValueWasUsageOnlyChunk() {
        return emptyChoices && sawUsageObject;
    }
}
