package io.extractionguard.engine.request;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

import io.extractionguard.engine.request.RequestParser.Limits;

/**
 * Accumulates the union of the fields the guard needs from one body, whatever its dialect; the
 * dialect decides which fields are read and which are required ({@link #finish()}). The
 * conversation's text goes to a {@link Conversation}. Not thread-safe; one per parse.
 */
final class BodyCollector {

    private final ApiFormat format;
    private final Limits limits;
    private final Conversation conversation;
    /** Made when the body has a field read outside the messages (most bodies have none). */
    private SideContent side;
    private String model;
    private boolean sawMessages;
    private boolean sawInput;
    private final List<String> tools = new ArrayList<>();
    private long maxOutputTokens = -1;
    private boolean stream;
    private double temperature = Double.NaN;
    private int n = 1;
    private int bestOf = 1;

    BodyCollector(ApiFormat format, Limits limits, boolean answers) {
        this.format = format;
        this.limits = limits;
        this.conversation = new Conversation(format, answers);
    }

    /** Reads the body's top-level object; returns a problem description, or null when the object was read. */
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
                        ? conversation.readSystem(p, t, "system") : skip(p);
                case "instructions" -> format == ApiFormat.OPENAI_RESPONSES
                        ? conversation.readSystem(p, t, "instructions") : skip(p);
                case "messages" -> {
                    if (format == ApiFormat.OPENAI_RESPONSES) {
                        yield skip(p);
                    }
                    sawMessages = true;
                    yield conversation.readMessages(p, t, "messages");
                }
                case "input" -> {
                    if (format != ApiFormat.OPENAI_RESPONSES) {
                        yield skip(p);
                    }
                    sawInput = true;
                    if (t == JsonToken.VALUE_STRING) {
                        conversation.readInputText(p);
                        yield null;
                    }
                    yield conversation.readMessages(p, t, "input");
                }
                case "prompt" -> format == ApiFormat.OPENAI_COMPLETIONS ? conversation.readPrompt(p, t)
                        : format == ApiFormat.OPENAI_RESPONSES ? side().readStoredPrompt(p, t) : skip(p);
                case "response_format", "functions", "text", "output_format" -> {
                    side().readDefinition(p, t);
                    yield null;
                }
                case "mcp_servers" -> side().readMcpServers(p, t);
                case "suffix" -> format == ApiFormat.OPENAI_COMPLETIONS && t == JsonToken.VALUE_STRING
                        ? conversation.readSuffix(p, t) : skip(p);
                case "n" -> format == ApiFormat.OPENAI_COMPLETIONS || format == ApiFormat.OPENAI_CHAT_COMPLETIONS
                        ? readBounded(p, t, "n", Limits.MAX_N, v -> n = (int) v) : skip(p);
                case "best_of" -> format == ApiFormat.OPENAI_COMPLETIONS
                        ? readBounded(p, t, "best_of", Limits.MAX_BEST_OF, v -> bestOf = (int) v) : skip(p);
                case "tools" -> readTools(p, t);
                case "max_tokens", "max_completion_tokens", "max_output_tokens" -> {
                    String foreign = BudgetFields.foreign(format, name);
                    // keys are unique, so a budget already read is the dialect's other name (Chat only)
                    yield foreign != null ? foreign
                            : maxOutputTokens >= 0 && t != JsonToken.VALUE_NULL ? BudgetFields.BOTH
                            : readBounded(p, t, name, limits.maxOutputTokens(), v -> maxOutputTokens = v);
                }
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

    /** The request, or the first field the dialect requires that the body left out. */
    ParseResult finish() {
        if (model == null || model.isBlank()) {
            return ParseResult.failed(ParseError.Kind.INVALID_REQUEST, "model: field required");
        }
        int prompts = conversation.prompts();
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
        String lastUser = conversation.lastUser();
        String variables = side == null ? "" : side.variables();
        if (!variables.isEmpty()) {
            lastUser = lastUser.isEmpty() ? variables : lastUser + "\n" + variables;
        }
        return new ParseResult.Parsed(new InferenceRequest(format, model, conversation.system(),
                lastUser, conversation.historyChars(), conversation.turns(), tools, maxOutputTokens,
                stream, temperature, choices, conversation.rootHash(), conversation.claimed(),
                side == null ? "" : side.definitions(), conversation.opaqueParts() + (side == null ? 0 : side.opaqueParts())));
    }

    /** An integer between 1 and {@code max} (null: not set) handed to {@code into}; else the problem. */
    private static String readBounded(JsonParser p, JsonToken t, String field, long max, LongConsumer into) {
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

    /** Tool names (Anthropic {@code name}, OpenAI {@code function.name}, else the tool's type), up to the limit. */
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
            String field;
            while ((field = p.nextName()) != null) {
                JsonToken v = p.nextToken();
                if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
                    toolName = p.getString();
                } else if ("type".equals(field) && v == JsonToken.VALUE_STRING) {
                    type = p.getString();
                } else if ("function".equals(field) && v == JsonToken.START_OBJECT) {
                    String fn;
                    while ((fn = p.nextName()) != null) {
                        JsonToken fv = p.nextToken();
                        if ("name".equals(fn) && fv == JsonToken.VALUE_STRING) {
                            toolName = p.getString();
                        } else if (isDefinition(fn)) {
                            side().readDefinition(p, fv);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (isDefinition(field)) {
                    side().readDefinition(p, v);
                } else {
                    p.skipChildren();
                }
            }
            if (type != null) {
                side().tool(type);
            }
            if (tools.size() < limits.maxToolNames()) {
                tools.add(toolName != null ? toolName : type != null ? type : "tool-" + index);
            }
            index++;
        }
        return null;
    }

    private SideContent side() {
        if (side == null) {
            side = new SideContent();
        }
        return side;
    }

    /** A tool definition's fields the model reads as text: its description and its parameters' schema. */
    private static boolean isDefinition(String field) {
        return "description".equals(field) || "input_schema".equals(field) || "parameters".equals(field);
    }

    private static String skip(JsonParser p) {
        p.skipChildren();
        return null;
    }
}
