package io.extractionguard.engine.replay;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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

    /** RFC 3339; the common {@code yyyy-MM-ddTHH:mm:ss[.fff]Z} shape is read without a formatter. */
    static Instant parseTime(String ts) {
        Instant fast = parseUtcFast(ts);
        if (fast != null) {
            return fast;
        }
        try {
            return Instant.parse(ts);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(ts).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static Instant parseUtcFast(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int nanos = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n - 21 > 9 || n - 21 < 1) {
                return null;
            }
            int frac = digits(s, 20, n - 1);
            if (frac < 0) {
                return null;
            }
            nanos = frac * (int) Math.pow(10, 9 - (n - 21));
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        try {
            long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600L + minute * 60L + second, nanos);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
