package io.extractionguard.gateway.usage;

import java.util.List;
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
 * With an {@link AnswerTexts}, it also hands on the answer text ({@link #ANSWER_PATHS}: text blocks and deltas,
 * Chat content per choice, Responses {@code output_text}; never reasoning or tool arguments), the boundaries between
 * its parts and the answer's end.
 *
 * Not thread-safe; one instance per response.
 */
final class UsageJson {

    /**
     * Answer text (a subset of {@link #TEXT_PATHS}): Anthropic text deltas and text blocks (thinking is {@code
     * thinking}, tool input {@code partial_json} / {@code input}), Chat content per choice, Responses {@code
     * output_text} deltas (the top-level {@code delta} of a {@code response.output_text.delta} event) and parts.
     */
    static final Set<String> ANSWER_PATHS = Set.of("delta.text", "choices[].delta.content", "choices[].message.content",
            "content[].text", "output[].content[].text", "delta");
    /** Events between which an answer's parts lie: a boundary (whitespace) in its digest. */
    private static final List<String> PART_EVENTS = List.of("content_block_start", "content_block_stop",
            "response.output_item.added", "response.output_item.done", "response.content_part.added",
            "response.content_part.done");
    /** Events that end an answer (Chat streams end with {@code [DONE]}, see {@link ResponseMeter}). */
    private static final List<String> END_EVENTS = List.of("message_stop", "response.completed", "response.incomplete",
            "response.failed");
    private static final String TEXT_DELTA_EVENT = "response.output_text.delta";
    /** What a {@code type} value says about the answer (read without making a String of it: one per SSE event). */
    private static final int OTHER_TYPE = 0;
    private static final int TEXT_DELTA = 1;
    private static final int PART_EVENT = 2;
    private static final int END_EVENT = 3;
    private static final int OUTPUT_TEXT = 4;
    private static final int NO_TYPE = -1;

    static final Set<String> USAGE_PATHS = Set.of("usage", "message.usage", "response.usage");
    private static final Set<String> INPUT_FIELDS = Set.of("input_tokens", "prompt_tokens",
            "cache_creation_input_tokens", "cache_read_input_tokens");
    private static final Set<String> OUTPUT_FIELDS = Set.of("output_tokens", "completion_tokens");
    /** Generated text: Anthropic deltas, Chat deltas, Responses deltas, and non-streamed answers. */
    static final Set<String> TEXT_PATHS = Set.of("delta.text", "delta.thinking", "delta.partial_json",
            "choices[].delta.content", "choices[].delta.reasoning_content",
            "choices[].delta.tool_calls[].function.arguments", "delta",
            "content[].text", "content[].thinking", "choices[].message.content", "output[].content[].text",
            "choices[].text");
    static final Set<String> TEXT_CONTAINERS = Set.of("", "delta", "choices[].delta",
            "choices[].delta.tool_calls[].function", "content[]", "choices[].message", "output[].content[]", "choices[]");
    private static final int MAX_DEPTH = 32;
    static final Set<String> CHOICES_PATH = Set.of("choices");
    private static final Path ROOT = Path.tree(CHOICES_PATH, USAGE_PATHS, TEXT_PATHS, TEXT_CONTAINERS);
    private static final Path EVENT_DELTA = ROOT.child("delta");
    private static final Path CHOICE = ROOT.child("choices").element();
    private static final Path BLOCK = ROOT.child("content").element();
    private static final Path OUTPUT_ITEM = ROOT.child("output").element();
    private static final Path OUTPUT_PART = OUTPUT_ITEM.child("content").element();
    private static final Path OUTPUT_PART_TEXT = OUTPUT_PART.child("text");

    private final Path[] containers = new Path[MAX_DEPTH + 1];
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
    // answer text (null: not read)
    private final AnswerTexts answers;
    /** Whether the end of the top-level value ends the answer (a JSON body; an SSE stream has end events). */
    private final boolean bodyEndsAnswer;
    private int choice;
    private int eventType = NO_TYPE;
    private int partType = NO_TYPE;

    UsageJson() {
        this(null, false);
    }

    UsageJson(AnswerTexts answers, boolean bodyEndsAnswer) {
        this.answers = answers;
        this.bodyEndsAnswer = bodyEndsAnswer;
    }

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
                    choice = 0;
                    eventType = NO_TYPE;
                }
                if (depth == MAX_DEPTH) {
                    skipped = 1;
                    return;
                }
                Path path = depth == -1 ? ROOT : childPath(p);
                if (answers != null && depth >= 0) {
                    answerContainer(path);
                }
                depth++;
                containers[depth] = path;
                arrays[depth] = t == JsonToken.START_ARRAY;
                entries[depth] = 0;
                if (t == JsonToken.START_OBJECT && path.usage) {
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
                if (t == JsonToken.END_ARRAY && depth == 1 && containers[depth].choices && entries[depth] == 0) {
                    emptyChoices = true;
                }
                if (depth == 0 && answers != null) {
                    answerEvent();
                }
                depth--;
            }
            case VALUE_NUMBER_INT -> {
                if (answers != null && containers[depth] == CHOICE && "index".equals(p.currentName())) {
                    choice = p.getValueAsInt(-1);
                }
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
                if (depth >= 0 && containers[depth].textContainer) {
                    Path child = childPath(p);
                    if (child.text) {
                        textChars += p.getStringLength();
                        if (answers != null && child.answer && isAnswer(child)) {
                            answers.text(choice, p.getStringCharacters(), p.getStringOffset(), p.getStringLength());
                        }
                    } else if (answers != null && "type".equals(p.currentName())) {
                        if (depth == 0) {
                            eventType = typeOf(p);
                        } else if (containers[depth] == OUTPUT_PART) {
                            partType = is(p, "output_text") ? OUTPUT_TEXT : OTHER_TYPE;
                        }
                    }
                }
            }
            default -> {
            }
        }
    }

    /** A container of answer parts begins: a part boundary; a choice's or a part's own fields are new. */
    private void answerContainer(Path path) {
        if (path == CHOICE) {
            choice = entries[depth] - 1; // its position, until its "index" says otherwise
        } else if (path == BLOCK || path == OUTPUT_ITEM || path == OUTPUT_PART) {
            partType = NO_TYPE;
            answers.boundary(choice);
        }
    }

    /** Whether a string at an answer path is answer text: Responses deltas and parts say so by their type. */
    private boolean isAnswer(Path path) {
        if (path == EVENT_DELTA) {
            return eventType == TEXT_DELTA;
        }
        return path != OUTPUT_PART_TEXT || partType == NO_TYPE || partType == OUTPUT_TEXT;
    }

    private static int typeOf(JsonParser p) {
        if (is(p, TEXT_DELTA_EVENT)) {
            return TEXT_DELTA;
        }
        for (String e : PART_EVENTS) {
            if (is(p, e)) {
                return PART_EVENT;
            }
        }
        for (String e : END_EVENTS) {
            if (is(p, e)) {
                return END_EVENT;
            }
        }
        return OTHER_TYPE;
    }

    /** Whether the current string value is {@code value}, compared in the parser's buffer. */
    private static boolean is(JsonParser p, String value) {
        int length = p.getStringLength();
        if (length != value.length()) {
            return false;
        }
        char[] chars = p.getStringCharacters();
        int offset = p.getStringOffset();
        for (int i = 0; i < length; i++) {
            if (chars[offset + i] != value.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The end of a top-level value: a JSON body's end, or an SSE event that separates parts or ends the answer. */
    private void answerEvent() {
        if (bodyEndsAnswer) {
            answers.end();
        } else if (eventType == PART_EVENT) {
            answers.boundary(choice);
        } else if (eventType == END_EVENT) {
            answers.end();
        }
    }

    private Path childPath(JsonParser p) {
        Path parent = containers[depth];
        return arrays[depth] ? parent.element() : parent.child(p.currentName());
    }

    /**
     * A container or value path as the string {@code parent.name} / {@code parent[]} (names joined
     * with dots, array elements as {@code []}, the top level ""), resolved without building the
     * string: only the paths that are, or can still lead to, a path this class looks at get a node
     * of their own; every other path is {@link #OTHER}, and so are all of its descendants (they
     * extend its string, so none can be a path looked at). Same answers as comparing the joined
     * strings, names containing dots or brackets included.
     */
    static final class Path {

        /** Every path that neither is nor leads to one of the paths looked at. */
        static final Path OTHER = new Path("", Set.of(), Set.of(), Set.of(), Set.of());

        final boolean choices;
        final boolean usage;
        final boolean text;
        final boolean textContainer;
        final boolean answer;
        private java.util.Map<String, Path> children = java.util.Map.of();
        private Path element; // null: OTHER (not yet created when OTHER itself is)

        private Path(String path, Set<String> choices, Set<String> usage, Set<String> text, Set<String> textContainers) {
            this.choices = choices.contains(path);
            this.usage = usage.contains(path);
            this.text = text.contains(path);
            this.textContainer = textContainers.contains(path);
            this.answer = ANSWER_PATHS.contains(path);
        }

        Path element() {
            return element == null ? OTHER : element;
        }

        Path child(String name) {
            Path child = name == null ? null : children.get(name);
            return child == null ? OTHER : child;
        }

        /** The root ("") of the tree of the given paths and of every path string that can still grow into one. */
        static Path tree(Set<String> choices, Set<String> usage, Set<String> text, Set<String> textContainers) {
            java.util.Set<String> all = new java.util.HashSet<>();
            for (Set<String> set : List.of(choices, usage, text, textContainers)) {
                all.addAll(set);
            }
            java.util.Set<String> nodes = new java.util.HashSet<>(all);
            nodes.add("");
            for (String path : all) { // a child path is its parent's string followed by "." or "[]"
                for (int i = 0; i < path.length(); i++) {
                    if (path.charAt(i) == '.' || path.charAt(i) == '[') {
                        nodes.add(path.substring(0, i));
                    }
                }
            }
            java.util.Map<String, Path> byPath = new java.util.HashMap<>();
            for (String path : nodes) {
                byPath.put(path, new Path(path, choices, usage, text, textContainers));
            }
            byPath.forEach((path, node) -> {
                java.util.Map<String, Path> children = new java.util.HashMap<>();
                for (String other : nodes) {
                    if (path.isEmpty()) {
                        children.put(other, byPath.get(other)); // a top-level name is the whole path ("" too)
                    } else if (!path.isEmpty() && other.startsWith(path + ".")) {
                        children.put(other.substring(path.length() + 1), byPath.get(other));
                    }
                }
                node.children = java.util.Map.copyOf(children);
                node.element = byPath.get(path + "[]");
            });
            return byPath.get("");
        }
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
