package io.extractionguard.engine.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import io.extractionguard.engine.decision.Decision;
import tools.jackson.core.io.JsonStringEncoder;

/**
 * Writes the contract's decisions file: one JSON object per processed trace line, e.g.
 * {@code {"line":17,"account":"acct-00042","action":"THROTTLE","score":63.5,"reasons":["rate-limit"]}}.
 *
 * <p>The bytes are the ones a Jackson generator writes for the same fields (a test compares them),
 * assembled in a buffer of its own: the writer runs on the replay's deciding thread, once per
 * request. Numbers as {@link Long#toString} and {@link Double#toString} (Jackson's defaults);
 * strings of printable ASCII other than {@code "} and {@code \} are copied as they are (account ids,
 * actions and reason ids are such strings), any other string is escaped by Jackson's own
 * {@link JsonStringEncoder}. Not thread-safe.
 */
public final class DecisionWriter implements Closeable {

    private static final byte[] LINE = ascii("{\"line\":");
    private static final byte[] ACCOUNT = ascii(",\"account\":\"");
    private static final byte[] ACTION = ascii("\",\"action\":\"");
    private static final byte[] SCORE = ascii("\",\"score\":");
    private static final byte[] REASONS = ascii(",\"reasons\":[");
    private static final byte[] END = ascii("]}\n");
    private static final byte[] REJECTED = ascii("\",\"action\":\"BLOCK\",\"score\":0.0,\"reasons\":[],\"rejected\":\"");
    private static final byte[] ERROR = ascii("\",\"error\":\"");
    private static final byte[] REJECTED_END = ascii("\"}\n");

    private final OutputStream out;
    private final byte[] buffer = new byte[1 << 16];
    private int length;

    public DecisionWriter(OutputStream out) {
        this.out = out;
    }

    public void write(long line, Decision d) {
        put(LINE);
        putAscii(Long.toString(line));
        put(ACCOUNT);
        putStringBody(d.accountId());
        put(ACTION);
        putStringBody(d.action().name());
        put(SCORE);
        putAscii(Double.toString(d.score()));
        put(REASONS);
        boolean first = true;
        for (String r : d.reasons()) {
            if (!first) {
                put((byte) ',');
            }
            first = false;
            put((byte) '"');
            putStringBody(r);
            put((byte) '"');
        }
        put(END);
    }

    /**
     * A line the gateway would refuse undecided: the contract's fields for a request that was not forwarded ({@code
     * BLOCK}, score 0, no reasons), then {@code rejected} (the cause the gateway answers with) and {@code error} (its
     * message), which the contract's readers ignore, e.g.
     * {@code {"line":6,"account":"acct-1","action":"BLOCK","score":0.0,"reasons":[],"rejected":"INVALID_REQUEST","error":"…"}}.
     */
    public void writeRejected(long line, Replay.Rejection rejection) {
        put(LINE);
        putAscii(Long.toString(line));
        put(ACCOUNT);
        putStringBody(rejection.accountId());
        put(REJECTED);
        putStringBody(rejection.cause());
        put(ERROR);
        putStringBody(rejection.message());
        put(REJECTED_END);
    }

    /** A string's content between its quotes, escaped as Jackson escapes it. */
    private void putStringBody(String s) {
        int n = s.length();
        if (n > 4096) { // not an id: escaped and written in one piece
            put(JsonStringEncoder.getInstance().quoteAsUTF8(s));
            return;
        }
        ensure(n);
        int start = length;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                length = start;
                put(JsonStringEncoder.getInstance().quoteAsUTF8(s));
                return;
            }
            buffer[length++] = (byte) c;
        }
    }

    /** A string known to be ASCII (numbers). */
    private void putAscii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buffer[length++] = (byte) s.charAt(i);
        }
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        if (bytes.length > buffer.length) {
            flushBuffer();
            try {
                out.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    private void put(byte b) {
        ensure(1);
        buffer[length++] = b;
    }

    /** Room for {@code n} more bytes, flushing first if needed (a longer piece is written through by {@link #put}). */
    private void ensure(int n) {
        if (length + n > buffer.length) {
            flushBuffer();
        }
    }

    private void flushBuffer() {
        if (length == 0) {
            return;
        }
        try {
            out.write(buffer, 0, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        length = 0;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        try {
            flushBuffer();
        } catch (UncheckedIOException e) {
            out.close();
            throw e.getCause();
        }
        out.close();
    }
}
