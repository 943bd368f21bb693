package io.extractionguard.engine.replay;

import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.extractionguard.engine.identity.Rfc3339;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

/**
 * Reads one trace line (contract §1) into a {@link TraceRecord} with its parsed body. When the
 * path precedes the body in the line (as traces normally write it) the body is parsed in place,
 * in the same pass; otherwise it is parsed from its byte range afterwards. Thread-safe.
 */
final class TraceLineParser {

    /** The outcome for one line: a record with its parsed body, or the reason it is skipped. */
    record Parsed(TraceRecord record, ParseResult body, String skipReason) {
        static Parsed skipped(String reason) {
            return new Parsed(null, null, reason);
        }
    }

    private final RequestParser requests;

    TraceLineParser(RequestParser requests) {
        this.requests = requests;
    }

    Parsed parse(long lineNumber, byte[] line) {
        String ts = null;
        String method = null;
        String path = null;
        String remote = null;
        Map<String, String> headers = null;
        int bodyStart = -1;
        int bodyEnd = -1;
        ParseResult body = null;
        try (JsonParser p = requests.jsonFactory().createParser(ObjectReadContext.empty(), line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Parsed.skipped("not a JSON object");
            }
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ts" -> ts = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "method" -> method = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "path" -> path = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "remote_addr" -> remote = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "headers" -> headers = t == JsonToken.START_OBJECT ? headers(p) : skip(p, null);
                    case "body" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        bodyStart = (int) p.currentTokenLocation().getByteOffset();
                        Optional<ApiFormat> format = path == null ? Optional.empty() : ApiFormat.forPath(path);
                        if (format.isPresent()) {
                            body = requests.parse(format.get(), p);
                        } else {
                            p.skipChildren();
                        }
                        bodyEnd = (int) p.currentLocation().getByteOffset();
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (JacksonException e) {
            return Parsed.skipped("not valid JSON: " + e.getOriginalMessage());
        }
        String missing = ts == null ? "ts" : method == null ? "method" : path == null ? "path"
                : remote == null ? "remote_addr" : headers == null ? "headers" : bodyStart < 0 ? "body" : null;
        if (missing != null) {
            return Parsed.skipped("missing or mistyped field '" + missing + "'");
        }
        Instant instant = parseTime(ts);
        if (instant == null) {
            return Parsed.skipped("ts is not an RFC 3339 timestamp: '" + ts + "'");
        }
        if (body == null) { // body came before path, or the path is not an inference endpoint
            body = requests.parse(path, line, bodyStart, bodyEnd - bodyStart);
        }
        TraceRecord record = new TraceRecord(lineNumber, instant, method, path, remote, headers, line, bodyStart, bodyEnd);
        if (body instanceof ParseResult.Failed failed) {
            ParseError error = failed.error();
            return new Parsed(record, body, "body is not a valid inference request (" + error.kind() + "): "
                    + error.message());
        }
        return new Parsed(record, body, null);
    }

    private static Map<String, String> headers(JsonParser p) {
        Map<String, String> headers = new HashMap<>(16);
        String h;
        while ((h = p.nextName()) != null) {
            if (p.nextToken() == JsonToken.VALUE_STRING) {
                headers.put(h.toLowerCase(Locale.ROOT), p.getString());
            } else {
                p.skipChildren();
            }
        }
        return headers;
    }

    private static <T> T skip(JsonParser p, T value) {
        p.skipChildren();
        return value;
    }

    /** RFC 3339 (see {@link Rfc3339}). */
    static Instant parseTime(String ts) {
        return Rfc3339.parse(ts);
    }
}
