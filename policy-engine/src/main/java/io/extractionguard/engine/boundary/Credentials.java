package io.extractionguard.engine.boundary;

import java.util.Locale;
import java.util.Set;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.spi.HeaderSource;

/**
 * The API key of a request, where model APIs read one: {@code authorization: Bearer} (OpenAI, vLLM,
 * SGLang; Anthropic's OAuth tokens and its SDKs' {@code auth_token}), {@code x-api-key} (Anthropic's API
 * keys; gateways such as LiteLLM on every path) and {@code api-key} (Azure OpenAI). Which of them a
 * route's upstream reads, and which wins when several are sent, differs between upstreams; so a request
 * is evaluated only when every credential it carries is <em>the same key</em>, each header sent once: then
 * whichever one the upstream reads, it authenticates the account the guard charged. Two different keys (a
 * decoy {@code x-api-key} beside the real bearer token was a fresh account per request), a repeated or
 * malformed credential header, a non-Bearer {@code authorization}, and a credential where the guard reads
 * none (another API's key header, a key in the query string) are refused, never accounted per address.
 *
 * <p>Stateless, thread-safe, CPU only; keys are compared, never kept or logged.
 */
public final class Credentials {

    /** The headers the account's key is read from; all present must carry the same key. */
    static final String[] HEADERS = {"authorization", "x-api-key", "api-key"};

    /** Credential headers of other APIs and API gateways: an upstream may read them, the guard does not. */
    static final String[] FOREIGN_HEADERS = {"x-goog-api-key", "ocp-apim-subscription-key", "x-litellm-api-key"};

    /** Query parameter names some servers take a key from, lower case, without '-' and '_'. */
    static final Set<String> QUERY_NAMES = Set.of("key", "apikey", "xapikey", "accesstoken", "token", "authtoken",
            "auth", "authorization", "bearer");

    private static final String BEARER = "Bearer ";

    private Credentials() {
    }

    /**
     * The request's key: the first credential header's (after {@link #problem} found none, every present one
     * carries the same), or null when there is none.
     */
    public static String read(HeaderSource headers) {
        for (String name : HEADERS) {
            String raw = headers.get(name);
            if (raw != null) {
                String key = key(name, raw);
                if (key != null && !key.isEmpty()) {
                    return key;
                }
            }
        }
        return null;
    }

    /**
     * Null when the request carries at most one key, in headers the guard reads, each sent once; else what is
     * wrong, to answer with 401 in {@code format}'s error format (the advice names its header).
     *
     * @param rawQuery the request's raw (percent-encoded) query, or null
     */
    public static String problem(ApiFormat format, HeaderSource headers, String rawQuery) {
        String advice = format == ApiFormat.ANTHROPIC_MESSAGES ? "send the API key once, in x-api-key"
                : "send the API key once, as authorization: Bearer <key>";
        String first = null;
        String firstHeader = null;
        for (String name : HEADERS) {
            String raw = headers.get(name);
            if (raw == null) {
                continue;
            }
            String key = key(name, raw);
            if (key == null) {
                return "authorization: only the Bearer scheme is accepted; " + advice;
            }
            if (!oneToken(key)) {
                return name + ": must carry one credential, sent once; " + advice;
            }
            if (first == null) {
                first = key;
                firstHeader = name;
            } else if (!first.equals(key)) {
                return firstHeader + " and " + name + " carry different credentials; " + advice;
            }
        }
        for (String name : FOREIGN_HEADERS) {
            if (headers.get(name) != null) {
                return name + " is not read by this API; " + advice;
            }
        }
        String inQuery = queryCredential(rawQuery);
        return inQuery == null ? null : "a key in the query string (" + inQuery + ") is not accepted; " + advice;
    }

    /** The key a header carries (for authorization, the Bearer token), or null for another scheme. */
    private static String key(String name, String raw) {
        if (!"authorization".equals(name)) {
            return raw.trim();
        }
        return raw.regionMatches(true, 0, BEARER, 0, BEARER.length()) ? raw.substring(BEARER.length()).trim() : null;
    }

    /** Visible ASCII without commas (repeated header lines arrive joined with commas): one key. */
    private static boolean oneToken(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= 0x20 || c >= 0x7F || c == ',') {
                return false;
            }
        }
        return true;
    }

    /** The first query parameter named like a credential (names percent-decoded, case folded), or null. */
    static String queryCredential(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = start;
            while (end < rawQuery.length() && rawQuery.charAt(end) != '&' && rawQuery.charAt(end) != ';') {
                end++;
            }
            int eq = rawQuery.indexOf('=', start);
            String name = normalisedName(rawQuery, start, eq >= 0 && eq < end ? eq : end);
            if (QUERY_NAMES.contains(name)) {
                return name;
            }
            start = end + 1;
        }
        return null;
    }

    /** {@code query[from, to)} percent-decoded ('+' as space), lower case, without '-', '_' and spaces. */
    private static String normalisedName(String query, int from, int to) {
        StringBuilder name = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = query.charAt(i);
            if (c == '%' && i + 2 < to) {
                int hi = Character.digit(query.charAt(i + 1), 16);
                int lo = Character.digit(query.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    c = (char) (hi * 16 + lo);
                    i += 2;
                }
            }
            if (c != '-' && c != '_' && c != '+' && c != ' ') {
                name.append(c);
            }
        }
        return name.toString().toLowerCase(Locale.ROOT);
    }
}
