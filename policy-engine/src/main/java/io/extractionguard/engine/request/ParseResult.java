package io.extractionguard.engine.request;

/** Either a parsed {@link InferenceRequest} or a {@link ParseError}; parsing never throws. */
public sealed interface ParseResult {

    record Parsed(InferenceRequest request) implements ParseResult {
    }

    record Failed(ParseError error) implements ParseResult {
    }

    static ParseResult failed(ParseError.Kind kind, String message) {
        return new Failed(new ParseError(kind, message));
    }
}
