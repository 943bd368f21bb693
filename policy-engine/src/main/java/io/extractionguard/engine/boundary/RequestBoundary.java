package io.extractionguard.engine.boundary;

import java.util.Locale;

import io.extractionguard.engine.spi.HeaderSource;
import io.extractionguard.engine.request.ApiFormat;

/**
 * The first stage of every request on a guarded route: canonicalise the path, look it up in the
 * route's {@link EndpointCatalog}, and check the headers that would make the upstream read the
 * request differently from the guard. The result is one {@link Classification}; nothing the
 * boundary does not recognise is forwarded unless the route says so ({@link UnknownPaths#PASS}).
 *
 * <p>Immutable, thread-safe, CPU only.
 */
public final class RequestBoundary {

    /** What a route does with a path its catalog does not list. */
    public enum UnknownPaths {
        /** Refused with 404 in the API's error format (the default). */
        REJECT,
        /** Forwarded unevaluated, as before the catalog existed (for routes that front more than a model API). */
        PASS
    }

    /** Headers some servers read as the request's method, whatever the request line says. */
    static final String[] METHOD_OVERRIDES = {"x-http-method-override", "x-http-method", "x-method-override"};

    private final EndpointCatalog catalog;
    private final UnknownPaths unknownPaths;

    public RequestBoundary(EndpointCatalog catalog, UnknownPaths unknownPaths) {
        this.catalog = catalog;
        this.unknownPaths = unknownPaths;
    }

    /** The boundary of a route serving the default catalog and refusing unknown paths. */
    public static RequestBoundary defaults() {
        return new RequestBoundary(EndpointCatalog.defaults(), UnknownPaths.REJECT);
    }

    /**
     * Classifies a request.
     *
     * @param method  the request line's method
     * @param rawPath the raw (percent-encoded) path, without the query
     * @param headers the request headers, repeated field lines joined with commas
     */
    public Classification classify(String method, String rawPath, HeaderSource headers) {
        return classify(method, rawPath, null, headers);
    }

    /**
     * Classifies a request whose query is known (a key in it is refused on evaluated endpoints).
     *
     * @param rawQuery the raw (percent-encoded) query, or null
     */
    public Classification classify(String method, String rawPath, String rawQuery, HeaderSource headers) {
        for (String name : METHOD_OVERRIDES) {
            if (headers.get(name) != null) {
                return new Classification.Refused(Classification.Cause.AMBIGUOUS_HEADER, dialectOf(headers),
                        name + " is not accepted: send the request with its real method");
            }
        }
        String upgrade = headers.get("upgrade");
        if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            // the gateway would switch a passed route to a WebSocket tunnel: frames it never evaluates
            return new Classification.Refused(Classification.Cause.AMBIGUOUS_HEADER, dialectOf(headers),
                    "upgrade: WebSocket is not served here; send plain HTTP requests");
        }
        CanonicalPath path = CanonicalPath.of(rawPath);
        if (!path.ok()) {
            return new Classification.Refused(Classification.Cause.INVALID_PATH, dialectOf(headers), path.problem());
        }
        String m = method.toUpperCase(Locale.ROOT);
        EndpointCatalog.Match match = catalog.match(m, path.value());
        if (match instanceof EndpointCatalog.Match.Found found) {
            return found(found.endpoint(), found.forwardPath(), rawQuery, headers);
        }
        if (match instanceof EndpointCatalog.Match.WrongMethod wrong) {
            return new Classification.Refused(Classification.Cause.METHOD_NOT_ALLOWED, wrong.format(),
                    "method " + m + " is not allowed on " + path.value() + "; allowed: " + String.join(", ", wrong.allowed()));
        }
        return unknownPaths == UnknownPaths.PASS
                ? new Classification.Passed(null, path.value())
                : new Classification.Refused(Classification.Cause.UNKNOWN_PATH, dialectOf(headers),
                        "no API endpoint " + m + " " + path.value() + " is served here");
    }

    private static Classification found(Endpoint endpoint, String path, String rawQuery, HeaderSource headers) {
        if (endpoint.kind() == Endpoint.Kind.PASS) {
            return new Classification.Passed(endpoint, path);
        }
        String credential = Credentials.problem(endpoint.format(), headers, rawQuery);
        if (credential != null) {
            return new Classification.Refused(Classification.Cause.AMBIGUOUS_CREDENTIAL, endpoint.format(), credential);
        }
        String encoding = headers.get("content-encoding");
        if (encoding != null && encoding.indexOf(',') >= 0) {
            return new Classification.Refused(Classification.Cause.UNSUPPORTED_ENCODING, endpoint.format(),
                    "content-encoding: one encoding at most (gzip, deflate or identity), not a list");
        }
        String beta = headers.get("anthropic-beta");
        if (beta != null && !validBetaList(beta)) {
            return new Classification.Refused(Classification.Cause.AMBIGUOUS_HEADER, endpoint.format(),
                    "anthropic-beta: must be a comma-separated list of feature names (letters, digits, '-', '_', '.')");
        }
        return endpoint.kind() == Endpoint.Kind.INFERENCE
                ? new Classification.Inference(endpoint, path)
                : new Classification.Batch(endpoint, path);
    }

    /** Feature names separated by commas (optional spaces); nothing an upstream could split differently. */
    static boolean validBetaList(String value) {
        boolean inName = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.') {
                inName = true;
            } else if (c == ',') {
                if (!inName) {
                    return false;
                }
                inName = false;
            } else if (c != ' ') {
                return false;
            }
        }
        return inName;
    }

    /**
     * The error dialect for a request that matched no endpoint: Anthropic's when the client speaks
     * it ({@code anthropic-version} or {@code x-api-key}), else OpenAI's when it sends a bearer token,
     * else Anthropic's.
     */
    static ApiFormat dialectOf(HeaderSource headers) {
        if (headers.get("anthropic-version") != null || headers.get("x-api-key") != null) {
            return ApiFormat.ANTHROPIC_MESSAGES;
        }
        return headers.get("authorization") != null ? ApiFormat.OPENAI_CHAT_COMPLETIONS : ApiFormat.ANTHROPIC_MESSAGES;
    }
}
