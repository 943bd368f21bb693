package io.extractionguard.engine.request;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads Anthropic Messages, OpenAI Chat Completions and OpenAI Responses bodies into one
 * {@link InferenceRequest} in a single streaming pass, without building a tree and without
 * materialising strings for content it does not keep.
 *
 * <p>The three dialects share most field names, so the pass collects the union of the fields the
 * guard needs and the dialect only decides which of them are required. Thread-safe; every failure
 * becomes a {@link ParseResult.Failed}, never an exception.
 */
public final class RequestParser {

    /** Hashes a conversation's first user turn (its root): follow-ups keep it, new conversations do not. */
    private static final Hasher64 ROOT_HASH = Hashing.komihash5_0();


    /** Limits that keep a hostile body from costing more than a legitimate one. */
    public record Limits(int maxNestingDepth, long maxTokens, int maxToolNames, long maxOutputTokens) {
        /** OpenAI's bounds on {@code n} and {@code best_of}. */
        static final int MAX_N = 128;
        static final int MAX_BEST_OF = 20;
        /** Legacy Completions' {@code max_tokens} when the client sets none (OpenAI's documented default). */
        static final long COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

        public static final Limits DEFAULT = new Limits(64, 400_000, 64, 1_000_000);
    }

    private final JsonFactory factory;
    private final Limits limits;

    public RequestParser() {
        this(Limits.DEFAULT);
    }

    public RequestParser(Limits limits) {
        this.limits = limits;
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxTokenCount(limits.maxTokens())
                        .maxNumberLength(64)
                        .maxNameLength(256)
                        .build())
                // a key sent twice is read first-wins by some parsers and last-wins by others: refused
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /** Parses a body sent to {@code path}; an unsupported path is an {@code UNKNOWN_FORMAT} error. */
    public ParseResult parse(String path, byte[] body, int offset, int length) {
        Optional<ApiFormat> format = ApiFormat.forPath(path);
        if (format.isEmpty()) {
            return ParseResult.failed(ParseError.Kind.UNKNOWN_FORMAT, "no inference API is served at this path");
        }
        return parse(format.get(), body, offset, length);
    }

    public ParseResult parse(ApiFormat format, byte[] body) {
        return parse(format, body, 0, body.length);
    }

    public ParseResult parse(ApiFormat format, byte[] body, int offset, int length) {
        if (length == 0) {
            return ParseResult.failed(ParseError.Kind.MALFORMED_JSON, "request body is empty; expected a JSON object");
        }
        String encoding = Utf8.problem(body, offset, length);
        if (encoding != null) {
            return ParseResult.failed(ParseError.Kind.MALFORMED_JSON, encoding);
        }
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), body, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "request body must be a JSON object");
            }
            Collector c = new Collector(format, limits);
            String problem = c.readTopLevel(p);
            if (problem == null && p.nextToken() != null) {
                problem = "unexpected content after the JSON object";
                return ParseResult.failed(ParseError.Kind.MALFORMED_JSON, problem);
            }
            if (problem != null) {
                return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, problem);
            }
            return c.finish();
        } catch (StreamConstraintsException e) {
            return ParseResult.failed(ParseError.Kind.LIMIT_EXCEEDED,
                    "request body exceeds a structural limit (nesting depth " + limits.maxNestingDepth()
                            + ", " + limits.maxTokens() + " JSON tokens)");
        } catch (JacksonException e) {
            if (isDuplicateKey(e)) {
                return ParseResult.failed(ParseError.Kind.MALFORMED_JSON, "request body has a key twice in one object"
                        + location(e) + "; send each key once");
            }
            return ParseResult.failed(ParseError.Kind.MALFORMED_JSON, "request body is not valid JSON"
                    + location(e));
        } catch (RuntimeException e) {
            // A defect in this parser must not become a 500 or a stack trace for the client.
            return ParseResult.failed(ParseError.Kind.MALFORMED_JSON, "request body could not be read");
        }
    }

    /**
     * Parses a body in place, from a parser positioned on the body's {@code START_OBJECT} (for
     * example inside a trace line). On return, success or not, the parser is positioned on the
     * body's {@code END_OBJECT}, so the caller can read on. JSON syntax errors propagate as
     * {@link JacksonException}: they concern the enclosing document.
     */
    public ParseResult parse(ApiFormat format, JsonParser p) {
        int depth = p.streamReadContext().getNestingDepth();
        Collector c = new Collector(format, limits);
        String problem = c.readTopLevel(p);
        if (problem != null) {
            while (p.streamReadContext().getNestingDepth() >= depth && p.nextToken() != null) {
                // skip the rest of the body
            }
            return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, problem);
        }
        return c.finish();
    }

    /** The JSON factory with this parser's structural limits, for callers that parse enclosing documents. */
    public JsonFactory jsonFactory() {
        return factory;
    }

    static boolean isDuplicateKey(JacksonException e) {
        String message = e.getOriginalMessage();
        return message != null && message.startsWith("Duplicate Object property");
    }

    private static String location(JacksonException e) {
        var loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 0) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    /** Accumulates the union of fields for one body. Not thread-safe; one per parse. */
    private static final class Collector {
        private final ApiFormat format;
        private final Limits limits;
        private String model;
        private final StringBuilder system = new StringBuilder();
        private final StringBuilder lastUser = new StringBuilder();
        private final StringBuilder scratch = new StringBuilder();
        private long historyChars;
        private long rootHash;
        private int turns;
        private boolean sawMessages;
        private boolean sawInput;
        private final List<String> tools = new ArrayList<>();
        private long maxOutputTokens = -1;
        private boolean stream;
        private double temperature = Double.NaN;
        private int prompts;
        private int n = 1;
        private int bestOf = 1;

        Collector(ApiFormat format, Limits limits) {
            this.format = format;
            this.limits = limits;
        }

        /** Returns a problem description, or null when the object was read. */
        String readTopLevel(JsonParser p) {
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                String problem = switch (name) {
                    case "model" -> {
                        if (t != JsonToken.VALUE_STRING) {
                            yield "model: must be a string";
                        }
                        model = p.getString();
                        yield null;
                    }
                    case "system" -> format == ApiFormat.ANTHROPIC_MESSAGES
                            ? readContent(p, t, system, "system") : skip(p);
                    case "instructions" -> format == ApiFormat.OPENAI_RESPONSES
                            ? readContent(p, t, system, "instructions") : skip(p);
                    case "messages" -> {
                        if (format == ApiFormat.OPENAI_RESPONSES) {
                            yield skip(p);
                        }
                        sawMessages = true;
                        yield readMessages(p, t, "messages");
                    }
                    case "input" -> {
                        if (format != ApiFormat.OPENAI_RESPONSES) {
                            yield skip(p);
                        }
                        sawInput = true;
                        if (t == JsonToken.VALUE_STRING) {
                            turns = 1;
                            appendText(p, lastUser);
                            rootHash = ROOT_HASH.hashCharsToLong(lastUser) | 1;
                            yield null;
                        }
                        yield readMessages(p, t, "input");
                    }
                    case "prompt" -> format == ApiFormat.OPENAI_COMPLETIONS ? readPrompt(p, t) : skip(p);
                    case "suffix" -> format == ApiFormat.OPENAI_COMPLETIONS && t == JsonToken.VALUE_STRING
                            ? readContent(p, t, lastUser, "suffix") : skip(p);
                    case "n" -> format == ApiFormat.OPENAI_COMPLETIONS || format == ApiFormat.OPENAI_CHAT_COMPLETIONS
                            ? readCount(p, t, "n", Limits.MAX_N) : skip(p);
                    case "best_of" -> format == ApiFormat.OPENAI_COMPLETIONS
                            ? readCount(p, t, "best_of", Limits.MAX_BEST_OF) : skip(p);
                    case "tools" -> readTools(p, t);
                    case "max_tokens", "max_completion_tokens", "max_output_tokens" -> readMaxTokens(p, t, name);
                    case "stream" -> {
                        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                            stream = t == JsonToken.VALUE_TRUE;
                            yield null;
                        }
                        yield t == JsonToken.VALUE_NULL ? null : "stream: must be a boolean";
                    }
                    case "temperature" -> {
                        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                            temperature = p.getDoubleValue();
                            yield Double.isFinite(temperature) ? null : "temperature: must be a finite number";
                        }
                        yield t == JsonToken.VALUE_NULL ? null : "temperature: must be a number";
                    }
                    default -> skip(p);
                };
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        }

        ParseResult finish() {
            if (model == null || model.isBlank()) {
                return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "model: field required");
            }
            switch (format) {
                case ANTHROPIC_MESSAGES -> {
                    if (!sawMessages) {
                        return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "messages: field required");
                    }
                    if (maxOutputTokens < 0) {
                        return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "max_tokens: field required");
                    }
                }
                case OPENAI_CHAT_COMPLETIONS -> {
                    if (!sawMessages) {
                        return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "messages: field required");
                    }
                }
                case OPENAI_RESPONSES -> {
                    if (!sawInput) {
                        return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "input: field required");
                    }
                }
                case OPENAI_COMPLETIONS -> {
                    if (prompts == 0) {
                        return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "prompt: field required");
                    }
                    if (bestOf > 1 && n > bestOf) {
                        return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "best_of: must be at least n");
                    }
                    if (maxOutputTokens < 0) {
                        maxOutputTokens = Limits.COMPLETIONS_DEFAULT_MAX_TOKENS;
                    }
                }
            }
            // every prompt is completed max(n, best_of) times: the output appetite multiplies
            int choices = Math.max(1, prompts) * Math.max(n, bestOf);
            return new ParseResult.Parsed(new InferenceRequest(format, model, system.toString(),
                    lastUser.toString(), historyChars, turns, tools, maxOutputTokens, stream, temperature, choices,
                    rootHash != 0 || lastUser.isEmpty() ? rootHash : ROOT_HASH.hashCharsToLong(lastUser) | 1));
        }

        /** Legacy Completions {@code prompt}: a string or an array of strings (token arrays are refused). */
        private String readPrompt(JsonParser p, JsonToken t) {
            if (t == JsonToken.VALUE_STRING) {
                prompts = 1;
                turns = 1;
                appendSeparatedText(p, lastUser);
                return null;
            }
            if (t != JsonToken.START_ARRAY) {
                return "prompt: must be a string or an array of strings";
            }
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_STRING) {
                    return "prompt[" + prompts + "]: must be a string (token-id prompts are not accepted here; send text)";
                }
                appendSeparatedText(p, lastUser);
                prompts++;
                turns++;
            }
            return prompts == 0 ? "prompt: must not be empty" : null;
        }

        private String readCount(JsonParser p, JsonToken t, String field, int max) {
            return readBounded(p, t, field, max, v -> {
                if (field.equals("n")) {
                    n = (int) v;
                } else {
                    bestOf = (int) v;
                }
            });
        }

        private String readMaxTokens(JsonParser p, JsonToken t, String field) {
            return readBounded(p, t, field, limits.maxOutputTokens(), v -> maxOutputTokens = v);
        }

        /** An integer between 1 and {@code max} (null: not set) handed to {@code into}; else the problem. */
        private static String readBounded(JsonParser p, JsonToken t, String field, long max,
                                          java.util.function.LongConsumer into) {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t != JsonToken.VALUE_NUMBER_INT) {
                return field + ": must be an integer";
            }
            long v;
            try {
                v = p.getLongValue();
            } catch (JacksonException e) {
                return field + ": must be an integer between 1 and " + max;
            }
            if (v < 1 || v > max) {
                return field + ": must be between 1 and " + max + ", was " + v;
            }
            into.accept(v);
            return null;
        }

        private String readTools(JsonParser p, JsonToken t) {
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t != JsonToken.START_ARRAY) {
                return "tools: must be an array";
            }
            int index = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.START_OBJECT) {
                    return "tools[" + index + "]: must be an object";
                }
                String toolName = null;
                String type = null;
                String n;
                while ((n = p.nextName()) != null) {
                    JsonToken v = p.nextToken();
                    if ("name".equals(n) && v == JsonToken.VALUE_STRING) {
                        toolName = p.getString();
                    } else if ("type".equals(n) && v == JsonToken.VALUE_STRING) {
                        type = p.getString();
                    } else if ("function".equals(n) && v == JsonToken.START_OBJECT) {
                        String fn;
                        while ((fn = p.nextName()) != null) {
                            JsonToken fv = p.nextToken();
                            if ("name".equals(fn) && fv == JsonToken.VALUE_STRING) {
                                toolName = p.getString();
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (tools.size() < limits.maxToolNames()) {
                    tools.add(toolName != null ? toolName : type != null ? type : "tool-" + index);
                }
                index++;
            }
            return null;
        }

        /** Reads an array of messages (or Responses input items). */
        private String readMessages(JsonParser p, JsonToken t, String field) {
            if (t != JsonToken.START_ARRAY) {
                return field + ": must be an array";
            }
            int index = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.START_OBJECT) {
                    return field + "[" + index + "]: must be an object";
                }
                String problem = readMessage(p, field + "[" + index + "]");
                if (problem != null) {
                    return problem;
                }
                index++;
                turns++;
            }
            return null;
        }

        private String readMessage(JsonParser p, String where) {
            String role = null;
            scratch.setLength(0);
            String n;
            while ((n = p.nextName()) != null) {
                JsonToken v = p.nextToken();
                switch (n) {
                    case "role" -> {
                        if (v != JsonToken.VALUE_STRING) {
                            return where + ".role: must be a string";
                        }
                        role = p.getString();
                    }
                    case "content", "output" -> {
                        String problem = readContent(p, v, scratch, where + "." + n);
                        if (problem != null) {
                            return problem;
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (role == null) {
                // Responses items such as function_call_output carry no role: tool output is history.
                if (format != ApiFormat.OPENAI_RESPONSES) {
                    return where + ".role: field required";
                }
                historyChars += scratch.length();
                return null;
            }
            switch (role) {
                case "user" -> {
                    if (rootHash == 0) {
                        rootHash = ROOT_HASH.hashCharsToLong(scratch) | 1;
                    }
                    historyChars += lastUser.length();
                    lastUser.setLength(0);
                    lastUser.append(scratch);
                }
                case "system", "developer" -> {
                    if (format == ApiFormat.ANTHROPIC_MESSAGES) {
                        return where + ".role: must be 'user' or 'assistant'";
                    }
                    appendSeparated(system, scratch);
                }
                default -> historyChars += scratch.length();
            }
            return null;
        }

        /** Content as a string, or an array of parts whose text (and nested tool results) is kept. */
        private String readContent(JsonParser p, JsonToken t, StringBuilder into, String where) {
            switch (t) {
                case VALUE_STRING -> {
                    appendSeparatedText(p, into);
                    return null;
                }
                case VALUE_NULL -> {
                    return null;
                }
                case START_ARRAY -> {
                    int index = 0;
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t == JsonToken.VALUE_STRING) {
                            appendSeparatedText(p, into);
                        } else if (t == JsonToken.START_OBJECT) {
                            String problem = readPart(p, into, where + "[" + index + "]");
                            if (problem != null) {
                                return problem;
                            }
                        } else {
                            return where + "[" + index + "]: must be an object or a string";
                        }
                        index++;
                    }
                    return null;
                }
                default -> {
                    return where + ": must be a string or an array of content parts";
                }
            }
        }

        private String readPart(JsonParser p, StringBuilder into, String where) {
            String n;
            while ((n = p.nextName()) != null) {
                JsonToken v = p.nextToken();
                if ("text".equals(n) && v == JsonToken.VALUE_STRING) {
                    appendSeparatedText(p, into);
                } else if ("content".equals(n) && (v == JsonToken.VALUE_STRING || v == JsonToken.START_ARRAY)) {
                    // tool_result blocks nest their own content
                    String problem = readContent(p, v, into, where + ".content");
                    if (problem != null) {
                        return problem;
                    }
                } else {
                    p.skipChildren();
                }
            }
            return null;
        }

        private static String skip(JsonParser p) {
            p.skipChildren();
            return null;
        }

        private static void appendText(JsonParser p, StringBuilder into) {
            into.append(p.getStringCharacters(), p.getStringOffset(), p.getStringLength());
        }

        private static void appendSeparatedText(JsonParser p, StringBuilder into) {
            if (!into.isEmpty()) {
                into.append('\n');
            }
            appendText(p, into);
        }

        private static void appendSeparated(StringBuilder into, CharSequence text) {
            if (text.isEmpty()) {
                return;
            }
            if (!into.isEmpty()) {
                into.append('\n');
            }
            into.append(text);
        }
    }
}
