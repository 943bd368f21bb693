package io.extractionguard.engine.replay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import io.extractionguard.engine.identity.Rfc3339;

/**
 * Reads one trace line's envelope (contract §1) into a {@link TraceRecord}, in one pass over the line's bytes
 * without a JSON tree: the envelope's few fields are read where they stand by hand, fields the replay ignores
 * ({@code label}, {@code group}, …) and the body are stepped over, their syntax checked. The body stays a byte range
 * of the line: what production would have done with it (refused, or parsed) is the gateway's own code's to say
 * ({@link io.extractionguard.engine.decision.Intake#parse}), not this reader's.
 *
 * <p>The envelope is strict JSON: a syntax error, trailing content or a repeated envelope field
 * skips the line ("not valid JSON"), as does a header named twice (header names are
 * case-insensitive: {@code X-Api-Key} and {@code x-api-key} are the same header, and which of two
 * credentials to believe is not the replay's to guess). Strings are decoded with their escapes;
 * the envelope's own strings must be UTF-8 (the body's are checked as the gateway checks them).
 * Thread-safe.
 */
final class TraceLineParser {

    /**
     * The outcome for one line: a record, or the reason it is skipped. {@code bodyAssumed}: the body closes the line
     * and was not stepped over ({@link #parseTakingALastBodyAsIs}).
     */
    record Parsed(TraceRecord record, boolean bodyAssumed, String skipReason) {
        static Parsed skipped(String reason) {
            return new Parsed(null, false, reason);
        }
    }

    /** Deeper nesting than this in a field the replay steps over is refused (a body is limited by its parser). */
    static final int MAX_DEPTH = 256;

    private static final byte[] TS = ascii("ts");
    private static final byte[] METHOD = ascii("method");
    private static final byte[] PATH = ascii("path");
    private static final byte[] REMOTE_ADDR = ascii("remote_addr");
    private static final byte[] HEADERS = ascii("headers");
    private static final byte[] BODY = ascii("body");
    private static final byte[][] FIELDS = {TS, METHOD, PATH, REMOTE_ADDR, HEADERS, BODY};

    /** Header names as traces write them, shared instead of a new string per line. */
    private static final String[] KNOWN_HEADERS = {"content-type", "user-agent", "x-api-key", "authorization",
        "anthropic-version", "x-account-id", "x-org-id", "x-account-tier", "x-account-created",
        "x-payment-fingerprint", "x-client-ja4", "x-forwarded-for", "accept", "content-length", "host",
        "openai-organization", "openai-beta", "anthropic-beta", "x-request-id"};
    private static final byte[][] KNOWN_HEADER_BYTES = new byte[KNOWN_HEADERS.length][];

    static {
        for (int i = 0; i < KNOWN_HEADERS.length; i++) {
            KNOWN_HEADER_BYTES[i] = ascii(KNOWN_HEADERS[i]);
        }
    }

    /** Not valid JSON, or not a trace line's envelope: the line is skipped with this message. */
    private static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads a line, stepping over every value it does not read (the body too), checking its syntax. */
    Parsed parse(long lineNumber, byte[] line) {
        return parse(lineNumber, line, false);
    }

    /**
     * Reads a line as {@link #parse}, except a body that is the line's last field ({@code …"body":{…}}}: a '}' then
     * only the line's own) is taken from its '{' to that '}' without being stepped over ({@code bodyAssumed}). That
     * range is the body and the line valid JSON exactly when a strict parser reads one object from it with nothing
     * after it (the gateway's, which the replay runs on it anyway); otherwise the caller {@link #parse}s the line again.
     * Traces written with the body last (the generator's, production exports) are so read once, not twice.
     */
    Parsed parseTakingALastBodyAsIs(long lineNumber, byte[] line) {
        return parse(lineNumber, line, true);
    }

    private Parsed parse(long lineNumber, byte[] line, boolean lastBodyAsIs) {
        Envelope e;
        try {
            e = new Envelope(line, lastBodyAsIs).read();
        } catch (Malformed m) {
            return Parsed.skipped("not valid JSON: " + m.getMessage());
        }
        String missing = e.ts == null ? "ts" : e.method == null ? "method" : e.path == null ? "path"
                : e.remote == null ? "remote_addr" : e.headers == null ? "headers" : e.bodyStart < 0 ? "body" : null;
        Instant instant = missing == null ? parseTime(e.ts) : null;
        String skip = missing != null ? "missing or mistyped field '" + missing + "'"
                : e.duplicateHeader != null ? "header '" + e.duplicateHeader + "' given twice"
                : instant == null ? "ts is not an RFC 3339 timestamp: '" + e.ts + "'" : null;
        if (skip != null) {
            // a line is skipped for what reading it in full finds first (its body unread, it may not be JSON)
            return e.bodyAssumed ? parse(lineNumber, line, false) : Parsed.skipped(skip);
        }
        return new Parsed(new TraceRecord(lineNumber, instant, e.method, e.path, e.remote, e.headers, line,
                e.bodyStart, e.bodyEnd), e.bodyAssumed, null);
    }

    /** One pass over a line: the position moves forward only. */
    private static final class Envelope {
        private final byte[] b;
        private final int end;
        private int pos;
        String ts;
        String method;
        String path;
        String remote;
        Map<String, String> headers;
        String duplicateHeader;
        int bodyStart = -1;
        int bodyEnd = -1;

        private final boolean lastBodyAsIs;
        boolean bodyAssumed;

        Envelope(byte[] line, boolean lastBodyAsIs) {
            this.b = line;
            this.end = line.length;
            this.lastBodyAsIs = lastBodyAsIs;
        }

        Envelope read() {
            space();
            if (pos >= end || b[pos] != '{') {
                throw new Malformed("not a JSON object");
            }
            pos++;
            space();
            int seen = 0;
            if (peek() == '}') {
                pos++;
            } else {
                while (true) {
                    int field = fieldName();
                    space();
                    expect(':');
                    space();
                    if (field >= 0) {
                        if ((seen & 1 << field) != 0) {
                            throw new Malformed("Duplicate Object property \"" + new String(FIELDS[field],
                                    StandardCharsets.US_ASCII) + "\"");
                        }
                        seen |= 1 << field;
                        value(field);
                    } else {
                        skipValue(0);
                    }
                    if (!more('}')) {
                        break;
                    }
                }
            }
            space();
            if (pos != end) {
                throw new Malformed("trailing content after the object at byte " + pos);
            }
            return this;
        }

        private void value(int field) {
            byte[] f = FIELDS[field];
            int c = peek();
            if (f == HEADERS) {
                if (c == '{') {
                    headers = headers();
                } else {
                    skipValue(0);
                }
            } else if (f == BODY) {
                int start = pos;
                int last = c == '{' && lastBodyAsIs ? lastValueEnd() : -1;
                if (last > start) {
                    pos = last;
                    bodyAssumed = true;
                } else {
                    skipValue(0);
                }
                if (c == '{') {
                    bodyStart = start;
                    bodyEnd = pos;
                }
            } else if (c != '"') {
                skipValue(0); // mistyped: reported as missing
            } else {
                String s = string();
                if (f == TS) {
                    ts = s;
                } else if (f == METHOD) {
                    method = s;
                } else if (f == PATH) {
                    path = s;
                } else {
                    remote = s;
                }
            }
        }

        /** Where a value that closes the line ends: past the '}' before the line's own '}' and white space; else -1. */
        private int lastValueEnd() {
            int i = end - 1;
            while (i > pos && isSpace(b[i])) {
                i--;
            }
            if (b[i] != '}') {
                return -1;
            }
            i--;
            while (i > pos && isSpace(b[i])) {
                i--;
            }
            return b[i] == '}' ? i + 1 : -1;
        }

        private static boolean isSpace(byte c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r';
        }

        /** The index in {@link #FIELDS} of the name at {@code pos}, or -1 for a field the replay ignores. */
        private int fieldName() {
            if (peek() != '"') {
                throw new Malformed("expected a field name at byte " + pos);
            }
            int start = pos + 1;
            int close = plainStringEnd(start);
            if (close < 0) { // escapes in a name: decoded and compared
                String name = string();
                for (int i = 0; i < FIELDS.length; i++) {
                    if (name.equals(new String(FIELDS[i], StandardCharsets.US_ASCII))) {
                        return i;
                    }
                }
                return -1;
            }
            pos = close + 1;
            for (int i = 0; i < FIELDS.length; i++) {
                if (equalsAt(FIELDS[i], start, close)) {
                    return i;
                }
            }
            return -1;
        }

        private Map<String, String> headers() {
            pos++; // '{'
            Map<String, String> out = new HashMap<>(32);
            boolean notText = false;
            space();
            if (peek() == '}') {
                pos++;
                return out;
            }
            while (true) {
                String name = headerName();
                space();
                expect(':');
                space();
                String value = null;
                if (peek() == '"') {
                    value = string();
                } else {
                    skipValue(0);
                    notText = true;
                }
                if (out.containsKey(name)) {
                    duplicateHeader = duplicateHeader == null ? name : duplicateHeader;
                } else {
                    out.put(name, value);
                }
                if (!more('}')) {
                    break;
                }
            }
            if (notText) {
                out.values().removeIf(v -> v == null); // a header whose value is not a string is not read
            }
            return out;
        }

        /** A header name in lower case (a shared string for the usual ones). */
        private String headerName() {
            if (peek() != '"') {
                throw new Malformed("expected a header name at byte " + pos);
            }
            int start = pos + 1;
            int close = plainStringEnd(start);
            if (close >= 0) {
                for (int i = 0; i < KNOWN_HEADER_BYTES.length; i++) {
                    if (equalsAt(KNOWN_HEADER_BYTES[i], start, close)) {
                        pos = close + 1;
                        return KNOWN_HEADERS[i];
                    }
                }
            }
            return string().toLowerCase(Locale.ROOT);
        }

        /**
         * The end (closing quote) of a string starting at {@code from} that has no escapes and only
         * ASCII, or -1 when it has either (then {@link #string} decodes it).
         */
        private int plainStringEnd(int from) {
            for (int i = from; i < end; i++) {
                int c = b[i];
                if (c == '"') {
                    return i;
                }
                if (c == '\\' || c < 0x20) { // negative: a non-ASCII byte
                    return -1;
                }
            }
            throw new Malformed("unterminated string");
        }

        /** The string at {@code pos} (at its opening quote), decoded; {@code pos} moves past it. */
        private String string() {
            int start = pos + 1;
            int close = plainStringEnd(start);
            if (close >= 0) {
                pos = close + 1;
                return new String(b, start, close - start, StandardCharsets.ISO_8859_1);
            }
            StringBuilder out = new StringBuilder(32);
            int i = start;
            int run = start; // start of the bytes not yet decoded
            while (true) {
                if (i >= end) {
                    throw new Malformed("unterminated string");
                }
                int c = b[i];
                if (c == '"') {
                    utf8(run, i, out);
                    pos = i + 1;
                    return out.toString();
                }
                if (c >= 0 && c < 0x20) {
                    throw new Malformed("unescaped control character in a string at byte " + i);
                }
                if (c != '\\') {
                    i++;
                    continue;
                }
                utf8(run, i, out);
                if (i + 1 >= end) {
                    throw new Malformed("unterminated string");
                }
                int e = b[i + 1];
                i += 2;
                switch (e) {
                    case '"', '\\', '/' -> out.append((char) e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        out.append((char) hex4(i));
                        i += 4;
                    }
                    default -> throw new Malformed("invalid escape '\\" + (char) (e & 0xFF) + "' at byte " + (i - 2));
                }
                run = i;
            }
        }

        private int hex4(int at) {
            if (at + 4 > end) {
                throw new Malformed("unterminated \\u escape");
            }
            int v = 0;
            for (int k = at; k < at + 4; k++) {
                int d = Character.digit(b[k], 16);
                if (d < 0) {
                    throw new Malformed("invalid \\u escape at byte " + (at - 2));
                }
                v = v << 4 | d;
            }
            return v;
        }

        /** Appends {@code b[from, to)} decoded as UTF-8, refusing malformed bytes. */
        private void utf8(int from, int to, StringBuilder out) {
            if (from == to) {
                return;
            }
            try {
                out.append(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from)));
            } catch (CharacterCodingException e) {
                throw new Malformed("invalid UTF-8 in a string near byte " + from);
            }
        }

        /** Steps over one JSON value at {@code pos}, checking its syntax. */
        private void skipValue(int depth) {
            if (depth > MAX_DEPTH) {
                throw new Malformed("nested deeper than " + MAX_DEPTH);
            }
            int c = peek();
            switch (c) {
                case '"' -> skipString();
                case '{' -> {
                    pos++;
                    space();
                    if (peek() == '}') {
                        pos++;
                        return;
                    }
                    do {
                        if (peek() != '"') {
                            throw new Malformed("expected a field name at byte " + pos);
                        }
                        skipString();
                        space();
                        expect(':');
                        space();
                        skipValue(depth + 1);
                    } while (more('}'));
                }
                case '[' -> {
                    pos++;
                    space();
                    if (peek() == ']') {
                        pos++;
                        return;
                    }
                    do {
                        skipValue(depth + 1);
                    } while (more(']'));
                }
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number();
                    } else {
                        throw new Malformed(c < 0 ? "unexpected end of input" : "unexpected character '"
                                + (char) c + "' at byte " + pos);
                    }
                }
            }
        }

        /** Steps over a string, checking its escapes and that it has no control character; mostly eight bytes a step. */
        private void skipString() {
            int i = pos + 1;
            while (i < end) {
                if (i + Long.BYTES <= end && !special((long) LONGS.get(b, i))) {
                    i += Long.BYTES;
                    continue;
                }
                int c = b[i];
                if (c == '"') {
                    pos = i + 1;
                    return;
                }
                if (c == '\\') {
                    i = escape(i);
                } else if (c >= 0 && c < 0x20) {
                    throw new Malformed("unescaped control character in a string at byte " + i);
                } else {
                    i++;
                }
            }
            throw new Malformed("unterminated string");
        }

        /** Checks the escape at {@code b[at]} (a backslash) and returns where it ends. */
        private int escape(int at) {
            if (at + 1 >= end) {
                throw new Malformed("unterminated string");
            }
            int e = b[at + 1];
            switch (e) {
                case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                    return at + 2;
                }
                case 'u' -> {
                    hex4(at + 2);
                    return at + 6;
                }
                default -> throw new Malformed("invalid escape '\\" + (char) (e & 0xFF) + "' at byte " + at);
            }
        }

        /** JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
        private void number() {
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
            } else {
                digits();
            }
            if (peek() == '.') {
                pos++;
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                digits();
            }
        }

        private void digits() {
            int start = pos;
            while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                pos++;
            }
            if (pos == start) {
                throw new Malformed("malformed number at byte " + pos);
            }
        }

        private void literal(String word) {
            for (int i = 0; i < word.length(); i++) {
                if (pos + i >= end || b[pos + i] != word.charAt(i)) {
                    throw new Malformed("unexpected token at byte " + pos);
                }
            }
            pos += word.length();
        }

        private boolean equalsAt(byte[] name, int from, int to) {
            if (to - from != name.length) {
                return false;
            }
            for (int i = 0; i < name.length; i++) {
                if (b[from + i] != name[i]) {
                    return false;
                }
            }
            return true;
        }

        private void space() {
            while (pos < end) {
                byte c = b[pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        /** The byte at {@code pos} (not consumed), or -1 at the end. */
        private int peek() {
            return pos < end ? b[pos] : -1;
        }

        private int next() {
            if (pos >= end) {
                throw new Malformed("unexpected end of input");
            }
            return b[pos++];
        }

        /** After a member or element: true at a ',' (and past it), false at {@code close} (past it). */
        private boolean more(char close) {
            space();
            int c = next();
            if (c == close) {
                return false;
            }
            if (c != ',') {
                throw new Malformed("expected ',' or '" + close + "' at byte " + (pos - 1));
            }
            space();
            return true;
        }

        private void expect(char c) {
            if (next() != c) {
                throw new Malformed("expected '" + c + "' at byte " + (pos - 1));
            }
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    /** Whether one of the eight bytes in {@code x} is a quote, a backslash or a control character (below 0x20). */
    static boolean special(long x) {
        long quote = x ^ 0x2222_2222_2222_2222L;
        long backslash = x ^ 0x5C5C_5C5C_5C5C_5C5CL;
        long found = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((x - 0x2020_2020_2020_2020L) & ~x);
        return (found & HIGH_BITS) != 0;
    }

    /** RFC 3339 (see {@link Rfc3339}). */
    static Instant parseTime(String ts) {
        return Rfc3339.parse(ts);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
