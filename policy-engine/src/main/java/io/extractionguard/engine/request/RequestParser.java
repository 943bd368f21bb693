package io.extractionguard.engine.request;

import java.util.Optional;

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
    private final boolean answers;

    public RequestParser() {
        this(Limits.DEFAULT);
    }

    public RequestParser(Limits limits) {
        this(limits, false);
    }

    private RequestParser(Limits limits, boolean answers) {
        this.answers = answers;
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

    /**
     * This parser, also reading each claimed assistant turn's text and {@link AnswerDigest} into the {@link
     * ClaimedHistory} (claimed-answer verification). For the gateway, which sees the answers it forwards; a replay
     * has no answers, and reading them would only cost it.
     */
    public RequestParser readingAnswers() {
        return answers ? this : new RequestParser(limits, true);
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
            BodyCollector c = new BodyCollector(format, limits, answers);
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
        BodyCollector c = new BodyCollector(format, limits, answers);
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
}
