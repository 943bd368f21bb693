package io.extractionguard.engine.boundary;

import java.util.ArrayList;
import java.util.List;

/**
 * A request path the way permissive upstream servers resolve it (nginx with {@code merge_slashes},
 * most HTTP stacks): percent-encoded unreserved characters decoded, empty segments ({@code //})
 * merged, {@code .} and {@code ..} segments resolved, matrix parameters ({@code ;…}) removed, a
 * trailing slash dropped. Case is kept; {@link EndpointCatalog} matches it case-insensitively.
 *
 * <p>What no upstream resolves the same way is refused rather than guessed: an encoded
 * separator or any other encoded reserved character ({@code %2F}, {@code %5C}, {@code %3B},
 * {@code %00}, {@code %25}), a backslash, a control or non-ASCII character, a {@code ..} that
 * climbs above the root.
 *
 * @param value   the canonical path, or null when the path is refused
 * @param problem why it is refused, safe to return to the client; null when {@code value} is set
 */
public record CanonicalPath(String value, String problem) {

    /** Canonicalises a raw (still percent-encoded) path without its query. */
    public static CanonicalPath of(String raw) {
        if (raw == null || raw.isEmpty()) {
            return new CanonicalPath("/", null);
        }
        if (raw.charAt(0) != '/') {
            return refused("the request path must start with '/'");
        }
        if (isCanonical(raw)) {
            return new CanonicalPath(raw, null); // the common case: no allocation
        }
        List<String> segments = new ArrayList<>();
        StringBuilder segment = new StringBuilder();
        int i = 1;
        int n = raw.length();
        while (i <= n) {
            char c = i < n ? raw.charAt(i) : '/';
            if (c == '/') {
                String s = segment.toString();
                segment.setLength(0);
                int semicolon = s.indexOf(';');
                if (semicolon >= 0) {
                    s = s.substring(0, semicolon); // matrix parameters
                }
                if (s.equals("..")) {
                    if (segments.isEmpty()) {
                        return refused("the request path climbs above the root ('..')");
                    }
                    segments.remove(segments.size() - 1);
                } else if (!s.isEmpty() && !s.equals(".")) {
                    segments.add(s);
                }
                i++;
                continue;
            }
            if (c == '%') {
                int decoded = i + 2 < n ? hex(raw.charAt(i + 1)) << 4 | hex(raw.charAt(i + 2)) : -1;
                if (decoded < 0) {
                    return refused("the request path has an invalid percent-encoding at position " + i);
                }
                if (!unreserved((char) decoded)) {
                    return refused("the request path has an encoded reserved character ("
                            + raw.substring(i, i + 3) + "); send it unencoded or not at all");
                }
                segment.append((char) decoded);
                i += 3;
                continue;
            }
            if (!allowed(c)) {
                return refused("the request path has a character that is not allowed there"
                        + (c == '\\' ? " ('\\')" : " (code " + (int) c + ")"));
            }
            segment.append(c);
            i++;
        }
        return new CanonicalPath("/" + String.join("/", segments), null);
    }

    public boolean ok() {
        return problem == null;
    }

    private static CanonicalPath refused(String problem) {
        return new CanonicalPath(null, problem);
    }

    /** True when {@code raw} is already canonical: only plain characters, no empty, dot or matrix segments. */
    private static boolean isCanonical(String raw) {
        int n = raw.length();
        if (n > 1 && raw.charAt(n - 1) == '/') {
            return false;
        }
        char previous = 0;
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == ';' || !allowed(c) || (previous == '/' && (c == '/' || c == '.'))) {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** RFC 3986 pchar less percent-encoding: unreserved, sub-delims, ':' and '@' (and '/' between segments). */
    private static boolean allowed(char c) {
        return unreserved(c) || c == '/' || c == ':' || c == '@' || c == '!' || c == '$' || c == '&' || c == '\''
                || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' || c == '=';
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1024; // makes the combined value negative
    }
}
