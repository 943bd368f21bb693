package io.extractionguard.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Building the console's HTML: every value that is not a literal of this code goes through
 * {@link #text} (element content and double-quoted attributes alike) or {@link #query} (URL query
 * values). No inline script or style: the page must render under the console's Content-Security-Policy.
 */
final class Html {

    private final StringBuilder b = new StringBuilder(8192);

    /** Appends markup written in this code, verbatim. */
    Html raw(String markup) {
        b.append(markup);
        return this;
    }

    /** Appends {@code value} escaped for element content or a double-quoted attribute. */
    Html text(Object value) {
        b.append(escape(String.valueOf(value)));
        return this;
    }

    Html num(double v) {
        b.append(fmt(v));
        return this;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    /** {@code value} encoded for a URL query (then still to be passed through {@link #text} in markup). */
    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
