package io.extractionguard.engine.boundary;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.extractionguard.engine.request.ApiFormat;

/**
 * One endpoint a route serves: a method and a path pattern ({@code {id}} matches any one segment),
 * what the guard does with it, and the API dialect its bodies and errors are written in.
 *
 * @param method  upper-case HTTP method ({@code HEAD} is served wherever {@code GET} is)
 * @param pattern the path pattern, canonical and lower-case literal segments, e.g. {@code /v1/files/{id}}
 * @param kind    what the guard does with a request to it
 * @param format  the body dialect of an {@link Kind#INFERENCE} endpoint; the error dialect of the others
 */
public record Endpoint(String method, String pattern, Kind kind, ApiFormat format) {

    /** What the guard does with a request to an endpoint. */
    public enum Kind {
        /** An inference call: parsed, scored and limited, one request. */
        INFERENCE,
        /** Anthropic Message Batches create: every item scored as a Messages request. */
        MESSAGE_BATCH,
        /** OpenAI file upload: a {@code purpose=batch} JSONL file is scored line by line. */
        FILE_UPLOAD,
        /** OpenAI batch create: allowed only for a file the guard evaluated for the same account. */
        BATCH_CREATE,
        /** Known and not an inference call (listing models, counting tokens, reading results): passed. */
        PASS
    }

    public Endpoint {
        method = method.toUpperCase(Locale.ROOT);
        CanonicalPath canonical = CanonicalPath.of(pattern.replace("{id}", "id"));
        if (!canonical.ok() || !canonical.value().equals(pattern.replace("{id}", "id"))) {
            throw new IllegalArgumentException("endpoint path '" + pattern + "' must be canonical (absolute, no '//', "
                    + "'.', '..', ';', '%' or trailing '/'), e.g. /v1/messages");
        }
    }

    /** The pattern's segments (without the leading empty one). */
    List<String> segments() {
        return Arrays.asList(pattern.substring(1).split("/", -1));
    }

    /** A label for metrics and logs, e.g. {@code POST /v1/messages}. */
    public String label() {
        return method + " " + pattern;
    }
}
