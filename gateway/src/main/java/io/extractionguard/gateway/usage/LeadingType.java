package io.extractionguard.gateway.usage;

import java.nio.charset.StandardCharsets;

/**
 * What an SSE event is, read from its data's leading {@code {"type":"…"}} alone, for the few event types whose JSON
 * {@link UsageJson} would read for nothing: they carry no usage, no generated text it counts and no answer text,
 * only, for some, the boundary between two answer parts or the answer's end. Most of them repeat text already
 * streamed — a Responses stream sends its answer's whole text again in {@code response.output_text.done}, {@code
 * response.content_part.done} and {@code response.output_item.done} — so parsing them cost as much as the deltas.
 * Every other event, and any event whose data does not begin exactly so (a type further in, spaces elsewhere, an
 * escape in the name), is parsed as before: {@link #PARSE}.
 *
 * <p>Read literally, the leading member is unambiguous: a JSON string cannot hold an unescaped quote, so {@code
 * {"type":"name"} followed by {@code ,} or {@code }} is the object's first member and its whole value. The event's
 * framing is the upstream's; answer text reaches it only inside JSON strings, escaped, and cannot forge it.
 */
enum LeadingType {
    /** Parse the event. */
    PARSE,
    /** Nothing to read: Anthropic {@code ping}, text repeated by a Responses {@code *.done} event. */
    NOTHING,
    /** A boundary between answer parts (what {@link UsageJson} makes of it: a boundary of the first choice). */
    PART,
    /** The answer's end. */
    END;

    private static final byte[] PREFIX = "{\"type\":".getBytes(StandardCharsets.US_ASCII);
    private static final String[] NAMES = {"ping", "response.output_text.done", "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done", "response.function_call_arguments.done",
            "content_block_stop", "response.content_part.done", "response.output_item.done",
            "message_stop"};
    private static final LeadingType[] TYPES = {NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, PART, PART, PART, END};
    private static final byte[][] NAME_BYTES = new byte[NAMES.length][];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            NAME_BYTES[i] = NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The type of an event whose data is {@code length} bytes of {@code data}. */
    static LeadingType of(byte[] data, int length) {
        if (length < PREFIX.length + 3) {
            return PARSE;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (data[i] != PREFIX[i]) {
                return PARSE;
            }
        }
        int at = PREFIX.length;
        if (data[at] == ' ') { // Anthropic writes {"type": "ping"}
            at++;
        }
        if (data[at] != '"') {
            return PARSE;
        }
        int from = at + 1;
        int quote = from;
        while (quote < length && data[quote] != '"') {
            if (data[quote] == '\\') {
                return PARSE;
            }
            quote++;
        }
        if (quote + 1 >= length || (data[quote + 1] != ',' && data[quote + 1] != '}')) {
            return PARSE;
        }
        int n = quote - from;
        for (int t = 0; t < NAME_BYTES.length; t++) {
            if (NAME_BYTES[t].length == n && java.util.Arrays.equals(data, from, quote, NAME_BYTES[t], 0, n)) {
                return TYPES[t];
            }
        }
        return PARSE;
    }
}
