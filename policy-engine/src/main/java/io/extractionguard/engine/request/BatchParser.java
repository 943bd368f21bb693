package io.extractionguard.engine.request;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.StreamConstraintsException;

/**
 * Reads the items of a batch into {@link InferenceRequest}s with the same rules as a single call
 * ({@link RequestParser}: strict UTF-8, no duplicate keys, the same structural limits): an
 * Anthropic Message Batches create body ({@code {"requests":[{"custom_id":…,"params":{…}}]}}), or an
 * OpenAI batch input file (JSONL, one {@code {"custom_id":…,"method":"POST","url":…,"body":{…}}} a line).
 * Thread-safe; failures are results naming the item, never exceptions.
 */
public final class BatchParser {

    /** The items of a batch, or why it could not be read. */
    public sealed interface Result {
        /** The items, and the endpoint they run on ({@code /v1/messages} for Message Batches). */
        record Parsed(List<InferenceRequest> items, String endpoint) implements Result {
        }

        record Failed(ParseError error) implements Result {
        }
    }

    private final RequestParser parser;

    public BatchParser(RequestParser parser) {
        this.parser = parser;
    }

    /** Reads an Anthropic Message Batches create body; every {@code params} is a Messages request. */
    public Result parseMessageBatch(byte[] body) {
        if (body.length == 0) {
            return failed(ParseError.Kind.MALFORMED_JSON, "request body is empty; expected a JSON object");
        }
        String encoding = Utf8.problem(body, 0, body.length);
        if (encoding != null) {
            return failed(ParseError.Kind.MALFORMED_JSON, encoding);
        }
        List<InferenceRequest> items = new ArrayList<>();
        try (JsonParser p = parser.jsonFactory().createParser(ObjectReadContext.empty(), body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return failed(ParseError.Kind.INVALID_REQUEST, "request body must be a JSON object");
            }
            boolean sawRequests = false;
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                if (!name.equals("requests")) {
                    p.skipChildren();
                    continue;
                }
                sawRequests = true;
                if (t != JsonToken.START_ARRAY) {
                    return failed(ParseError.Kind.INVALID_REQUEST, "requests: must be an array");
                }
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    String where = "requests[" + items.size() + "]";
                    if (t != JsonToken.START_OBJECT) {
                        return failed(ParseError.Kind.INVALID_REQUEST, where + ": must be an object");
                    }
                    InferenceRequest item = null;
                    String field;
                    while ((field = p.nextName()) != null) {
                        JsonToken v = p.nextToken();
                        if (!field.equals("params")) {
                            p.skipChildren();
                            continue;
                        }
                        if (v != JsonToken.START_OBJECT) {
                            return failed(ParseError.Kind.INVALID_REQUEST, where + ".params: must be an object");
                        }
                        ParseResult r = parser.parse(ApiFormat.ANTHROPIC_MESSAGES, p);
                        if (r instanceof ParseResult.Failed f) {
                            return failed(f.error().kind(), where + ".params." + f.error().message());
                        }
                        item = ((ParseResult.Parsed) r).request();
                    }
                    if (item == null) {
                        return failed(ParseError.Kind.INVALID_REQUEST, where + ".params: field required");
                    }
                    items.add(item);
                }
            }
            if (p.nextToken() != null) {
                return failed(ParseError.Kind.MALFORMED_JSON, "unexpected content after the JSON object");
            }
            if (!sawRequests || items.isEmpty()) {
                return failed(ParseError.Kind.INVALID_REQUEST, "requests: at least one request required");
            }
            return new Result.Parsed(items, ApiFormat.ANTHROPIC_MESSAGES.path());
        } catch (StreamConstraintsException e) {
            return failed(ParseError.Kind.LIMIT_EXCEEDED, "request body exceeds a structural limit");
        } catch (JacksonException e) {
            return failed(ParseError.Kind.MALFORMED_JSON, RequestParser.isDuplicateKey(e)
                    ? "request body has a key twice in one object; send each key once" : "request body is not valid JSON");
        } catch (RuntimeException e) {
            return failed(ParseError.Kind.MALFORMED_JSON, "request body could not be read");
        }
    }

    /**
     * Reads an OpenAI batch input file: every line's {@code body} is a request to its {@code url}
     * (Chat Completions, Responses or legacy Completions, the same for every line, as upstream
     * requires). Blank lines are skipped.
     */
    public Result parseOpenAiBatchFile(byte[] jsonl) {
        String encoding = Utf8.problem(jsonl, 0, jsonl.length);
        if (encoding != null) {
            return failed(ParseError.Kind.MALFORMED_JSON, encoding.replace("request body", "batch file"));
        }
        List<InferenceRequest> items = new ArrayList<>();
        ApiFormat format = null;
        int line = 0;
        int start = 0;
        while (start < jsonl.length) {
            int end = start;
            while (end < jsonl.length && jsonl[end] != '\n') {
                end++;
            }
            line++;
            if (!blank(jsonl, start, end)) {
                String where = "batch file line " + line;
                try (JsonParser p = parser.jsonFactory().createParser(ObjectReadContext.empty(), jsonl, start, end - start)) {
                    if (p.nextToken() != JsonToken.START_OBJECT) {
                        return failed(ParseError.Kind.INVALID_REQUEST, where + ": must be a JSON object");
                    }
                    String url = null;
                    String method = null;
                    InferenceRequest item = null;
                    String field;
                    while ((field = p.nextName()) != null) {
                        JsonToken v = p.nextToken();
                        switch (field) {
                            case "url" -> url = v == JsonToken.VALUE_STRING ? p.getString() : "";
                            case "method" -> method = v == JsonToken.VALUE_STRING ? p.getString() : "";
                            case "body" -> {
                                ApiFormat lineFormat = url == null ? null : openAiFormat(url);
                                if (lineFormat == null) {
                                    return failed(ParseError.Kind.INVALID_REQUEST, where + ": url (before body) must be "
                                            + "/v1/chat/completions, /v1/responses or /v1/completions");
                                }
                                if (format != null && lineFormat != format) {
                                    return failed(ParseError.Kind.INVALID_REQUEST, where + ": url differs from line 1's");
                                }
                                format = lineFormat;
                                if (v != JsonToken.START_OBJECT) {
                                    return failed(ParseError.Kind.INVALID_REQUEST, where + ".body: must be an object");
                                }
                                ParseResult r = parser.parse(lineFormat, p);
                                if (r instanceof ParseResult.Failed f) {
                                    return failed(f.error().kind(), where + ".body." + f.error().message());
                                }
                                item = ((ParseResult.Parsed) r).request();
                            }
                            default -> p.skipChildren();
                        }
                    }
                    if (!"POST".equals(method)) {
                        return failed(ParseError.Kind.INVALID_REQUEST, where + ": method must be POST");
                    }
                    if (item == null) {
                        return failed(ParseError.Kind.INVALID_REQUEST, where + ": body required");
                    }
                    if (p.nextToken() != null) {
                        return failed(ParseError.Kind.MALFORMED_JSON, where + ": unexpected content after the JSON object");
                    }
                    items.add(item);
                } catch (StreamConstraintsException e) {
                    return failed(ParseError.Kind.LIMIT_EXCEEDED, where + " exceeds a structural limit");
                } catch (JacksonException e) {
                    return failed(ParseError.Kind.MALFORMED_JSON, where + (RequestParser.isDuplicateKey(e)
                            ? ": has a key twice in one object" : ": is not valid JSON"));
                }
            }
            start = end + 1;
        }
        if (items.isEmpty()) {
            return failed(ParseError.Kind.INVALID_REQUEST, "batch file has no requests");
        }
        return new Result.Parsed(items, format.path());
    }

    /** The OpenAI inference dialect served at exactly {@code url}, or null. */
    private static ApiFormat openAiFormat(String url) {
        for (ApiFormat f : ApiFormat.values()) {
            if (f.isOpenAi() && f.path().equals(url)) {
                return f;
            }
        }
        return null;
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    private static Result failed(ParseError.Kind kind, String message) {
        return new Result.Failed(new ParseError(kind, message));
    }
}
