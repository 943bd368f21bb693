package io.extractionguard.engine.request;

/**
 * Why a request body could not be read as an inference call. The message is safe to return to
 * the client: it names the field and the problem but never echoes body content.
 */
public record ParseError(Kind kind, String message) {

    /** Error families; the gateway maps each to a status code and an API error type. */
    public enum Kind {
        /** Not JSON, truncated JSON, or invalid UTF-8. */
        MALFORMED_JSON,
        /** Valid JSON that exceeds nesting, string or document limits. */
        LIMIT_EXCEEDED,
        /** JSON whose shape does not match the API (wrong types, missing required fields). */
        INVALID_REQUEST,
        /** The path is not one of the supported inference endpoints. */
        UNKNOWN_FORMAT
    }
}
