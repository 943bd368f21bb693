package io.extractionguard.engine.boundary;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import io.extractionguard.engine.request.ApiFormat;

/**
 * The endpoints one route serves. A canonical path is matched segment by segment, literal segments
 * case-insensitively (some upstreams are); the forwarded path spells literal segments as the
 * catalog does and keeps identifier segments ({@code {id}}) as sent.
 *
 * <p>Immutable and thread-safe. {@link #defaults()} lists the Anthropic and OpenAI endpoints the
 * guard knows; {@link #with(List)} adds a route's own.
 */
public final class EndpointCatalog {

    private static final ApiFormat ANTHROPIC = ApiFormat.ANTHROPIC_MESSAGES;
    private static final ApiFormat OPENAI = ApiFormat.OPENAI_CHAT_COMPLETIONS;

    private static final EndpointCatalog DEFAULTS = new EndpointCatalog(List.of(
            // inference
            new Endpoint("POST", "/v1/messages", Endpoint.Kind.INFERENCE, ApiFormat.ANTHROPIC_MESSAGES),
            new Endpoint("POST", "/v1/chat/completions", Endpoint.Kind.INFERENCE, ApiFormat.OPENAI_CHAT_COMPLETIONS),
            new Endpoint("POST", "/v1/responses", Endpoint.Kind.INFERENCE, ApiFormat.OPENAI_RESPONSES),
            new Endpoint("POST", "/v1/completions", Endpoint.Kind.INFERENCE, ApiFormat.OPENAI_COMPLETIONS),
            new Endpoint("POST", "/v1/messages/batches", Endpoint.Kind.MESSAGE_BATCH, ANTHROPIC),
            new Endpoint("POST", "/v1/files", Endpoint.Kind.FILE_UPLOAD, OPENAI),
            new Endpoint("POST", "/v1/batches", Endpoint.Kind.BATCH_CREATE, OPENAI),
            // known, not inference
            new Endpoint("GET", "/v1/models", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/models/{id}", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("POST", "/v1/messages/count_tokens", Endpoint.Kind.PASS, ANTHROPIC),
            new Endpoint("GET", "/v1/messages/batches", Endpoint.Kind.PASS, ANTHROPIC),
            new Endpoint("GET", "/v1/messages/batches/{id}", Endpoint.Kind.PASS, ANTHROPIC),
            new Endpoint("GET", "/v1/messages/batches/{id}/results", Endpoint.Kind.PASS, ANTHROPIC),
            new Endpoint("POST", "/v1/messages/batches/{id}/cancel", Endpoint.Kind.PASS, ANTHROPIC),
            new Endpoint("DELETE", "/v1/messages/batches/{id}", Endpoint.Kind.PASS, ANTHROPIC),
            new Endpoint("GET", "/v1/files", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/files/{id}", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/files/{id}/content", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("DELETE", "/v1/files/{id}", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/batches", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/batches/{id}", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("POST", "/v1/batches/{id}/cancel", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/responses/{id}", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("DELETE", "/v1/responses/{id}", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("GET", "/v1/responses/{id}/input_items", Endpoint.Kind.PASS, OPENAI),
            new Endpoint("POST", "/v1/responses/{id}/cancel", Endpoint.Kind.PASS, OPENAI)));

    private final List<Endpoint> endpoints;

    private EndpointCatalog(List<Endpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    /** The endpoints the guard knows by default. */
    public static EndpointCatalog defaults() {
        return DEFAULTS;
    }

    /** This catalog with {@code additions}; an addition for a method and pattern already listed replaces it. */
    public EndpointCatalog with(List<Endpoint> additions) {
        List<Endpoint> all = new ArrayList<>(additions);
        for (Endpoint e : endpoints) {
            if (additions.stream().noneMatch(a -> a.method().equals(e.method()) && a.pattern().equals(e.pattern()))) {
                all.add(e);
            }
        }
        return new EndpointCatalog(all);
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * Parses a route's endpoint addition: {@code "METHOD /path"} (passed) or
     * {@code "METHOD /path = KIND"}, KIND one of {@code anthropic-messages}, {@code openai-chat-completions},
     * {@code openai-responses}, {@code openai-completions} (inference), {@code pass}.
     *
     * @throws IllegalArgumentException naming the entry and the fix
     */
    public static Endpoint parse(String entry) {
        String spec = entry.trim();
        String kind = "pass";
        int eq = spec.indexOf('=');
        if (eq >= 0) {
            kind = spec.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            spec = spec.substring(0, eq).trim();
        }
        String[] parts = spec.split("\\s+");
        if (parts.length != 2 || !parts[0].matches("[A-Za-z]+")) {
            throw new IllegalArgumentException("endpoint '" + entry + "': expected 'METHOD /path' or 'METHOD /path = kind'");
        }
        String path = parts[1].toLowerCase(Locale.ROOT);
        try {
            return switch (kind) {
                case "pass" -> new Endpoint(parts[0], path, Endpoint.Kind.PASS,
                        path.contains("/messages") ? ANTHROPIC : OPENAI);
                case "anthropic-messages" -> new Endpoint(parts[0], path, Endpoint.Kind.INFERENCE, ApiFormat.ANTHROPIC_MESSAGES);
                case "openai-chat-completions" -> new Endpoint(parts[0], path, Endpoint.Kind.INFERENCE,
                        ApiFormat.OPENAI_CHAT_COMPLETIONS);
                case "openai-responses" -> new Endpoint(parts[0], path, Endpoint.Kind.INFERENCE, ApiFormat.OPENAI_RESPONSES);
                case "openai-completions" -> new Endpoint(parts[0], path, Endpoint.Kind.INFERENCE, ApiFormat.OPENAI_COMPLETIONS);
                default -> throw new IllegalArgumentException("endpoint '" + entry + "': unknown kind '" + kind
                        + "'; use pass, anthropic-messages, openai-chat-completions, openai-responses or openai-completions");
            };
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("endpoint '" + entry) ? e
                    : new IllegalArgumentException("endpoint '" + entry + "': " + e.getMessage(), e);
        }
    }

    /** What a method and canonical path match. */
    public sealed interface Match {
        /** The endpoint, and the path to forward (literal segments as the catalog spells them). */
        record Found(Endpoint endpoint, String forwardPath) implements Match {
        }

        /** The path is served, not with this method. */
        record WrongMethod(Set<String> allowed, ApiFormat format) implements Match {
        }

        /** No endpoint has this path. */
        record Unknown() implements Match {
        }
    }

    private static final Match.Unknown UNKNOWN = new Match.Unknown();

    /**
     * Matches an upper-case {@code method} and a {@link CanonicalPath#value() canonical} path. An
     * evaluated endpoint also matches behind a routing prefix ({@code /anthropic/v1/messages}, for a
     * route that strips it), as before the catalog existed; a passed one only where listed.
     */
    public Match match(String method, String canonicalPath) {
        Match whole = match(method, canonicalPath, "");
        if (!(whole instanceof Match.Unknown)) {
            return whole;
        }
        for (int k = canonicalPath.indexOf('/', 1); k > 0; k = canonicalPath.indexOf('/', k + 1)) {
            Match behindPrefix = match(method, canonicalPath.substring(k), canonicalPath.substring(0, k));
            if (!(behindPrefix instanceof Match.Unknown)) {
                return behindPrefix;
            }
        }
        return UNKNOWN;
    }

    /** Matches {@code path}; behind a non-empty {@code prefix}, evaluated endpoints only. */
    private Match match(String method, String path, String prefix) {
        String m = method.equals("HEAD") ? "GET" : method;
        Set<String> allowed = null;
        ApiFormat format = null;
        for (Endpoint e : endpoints) {
            if (!prefix.isEmpty() && e.kind() == Endpoint.Kind.PASS) {
                continue;
            }
            String forward = forwardPath(e.pattern(), path);
            if (forward == null) {
                continue;
            }
            if (e.method().equals(m)) {
                return new Match.Found(e, prefix.isEmpty() ? forward : prefix + forward);
            }
            if (allowed == null) {
                allowed = new TreeSet<>();
                format = e.format();
            }
            allowed.add(e.method());
        }
        return allowed == null ? UNKNOWN : new Match.WrongMethod(allowed, format);
    }

    /** The path to forward when {@code path} matches {@code pattern}, else null. */
    static String forwardPath(String pattern, String path) {
        int pl = pattern.length();
        int n = path.length();
        if (pattern.indexOf('{') < 0) { // the common case: a literal pattern
            return pl == n && pattern.regionMatches(true, 0, path, 0, n) ? pattern : null;
        }
        StringBuilder out = new StringBuilder(n);
        int pi = 0;
        int si = 0;
        while (pi < pl && si < n) {
            int pe = pattern.indexOf('/', pi + 1);
            pe = pe < 0 ? pl : pe;
            int se = path.indexOf('/', si + 1);
            se = se < 0 ? n : se;
            String literal = pattern.substring(pi, pe);
            if (literal.equals("/{id}")) {
                if (se - si < 2) {
                    return null;
                }
                out.append(path, si, se);
            } else if (pe - pi == se - si && pattern.regionMatches(true, pi, path, si, pe - pi)) {
                out.append(literal);
            } else {
                return null;
            }
            pi = pe;
            si = se;
        }
        return pi == pl && si == n ? out.toString() : null;
    }
}
