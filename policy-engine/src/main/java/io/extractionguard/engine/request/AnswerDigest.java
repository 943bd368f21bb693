package io.extractionguard.engine.request;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;

import com.dynatrace.hash4j.hashing.HashStream64;
import com.dynatrace.hash4j.hashing.Hashing;

/**
 * The canonical hash of an assistant turn's text, fed in pieces as it streams (the gateway, from the answer it
 * forwards) or whole (the parser, from a claimed assistant turn), never keeping the text. Canonical form: the
 * text parts (Anthropic {@code text} blocks, Chat {@code content}, Responses {@code output_text}) in order, a part
 * boundary counting as whitespace, every run of whitespace one space, none at either end. Reasoning, tool calls and
 * their arguments are not part of it on either side. So a client may drop thinking blocks, resend or drop
 * tool-use blocks, send the answer as a string or as content blocks, re-indent or trim it: the digest stays; any
 * other change (a word, a character, punctuation, case) changes it. docs/campaigns.md "Structural conviction".
 *
 * <p>Not thread-safe: one per answer being read.
 */
public final class AnswerDigest {

    /** Canonical characters gathered before they are hashed as bytes (hash4j's char-by-char stream is 4× slower). */
    private static final int BUFFER = 512;

    private final HashStream64 stream = Hashing.komihash5_0().hashStream();
    private final char[] pending = new char[BUFFER];
    private final ByteBuffer bytes = ByteBuffer.allocate(2 * BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final CharBuffer view = bytes.asCharBuffer();
    private int length;
    private boolean started;
    private boolean space;

    /** Adds {@code length} characters of text from {@code chars}. */
    public AnswerDigest text(char[] chars, int offset, int length) {
        // one tight loop over locals: a call (or an arraycopy) per word cost about 2 ns a character
        char[] out = pending;
        int n = this.length;
        boolean pendingSpace = space;
        boolean any = started;
        for (int i = offset, end = offset + length; i < end; i++) {
            char c = chars[i];
            if ((c > ' ' && c < 0x80) || !isSpace(c)) {
                if (pendingSpace) {
                    if (n == BUFFER) {
                        n = flush(n);
                    }
                    out[n++] = ' ';
                    pendingSpace = false;
                }
                if (n == BUFFER) {
                    n = flush(n);
                }
                out[n++] = c;
                any = true;
            } else {
                pendingSpace = any;
            }
        }
        this.length = n;
        space = pendingSpace;
        started = any;
        return this;
    }

    /** Adds a piece of text. */
    public AnswerDigest text(CharSequence text) {
        if (text instanceof String s) {
            char[] chunk = new char[Math.min(s.length(), 2048)];
            for (int from = 0; from < s.length(); from += chunk.length) {
                int n = Math.min(chunk.length, s.length() - from);
                s.getChars(from, from + n, chunk, 0);
                text(chunk, 0, n);
            }
            return this;
        }
        return text(text.toString());
    }

    /** A boundary between two text parts: whitespace. */
    public AnswerDigest boundary() {
        space = started;
        return this;
    }

    /**
     * The digest of the canonical text so far: the hash of its UTF-16LE bytes (hash4j komihash 5, the same value as
     * {@code hashCharsToLong} of the canonical text).
     */
    public long digest() {
        length = flush(length);
        return stream.getAsLong();
    }

    /** The digest of one whole text. */
    public static long of(CharSequence text) {
        return new AnswerDigest().text(text).digest();
    }

    /** Hashes the first {@code n} pending characters; returns 0, the pending characters left. */
    private int flush(int n) {
        view.clear();
        view.put(pending, 0, n);
        stream.putBytes(bytes.array(), 0, 2 * n);
        return 0;
    }

    /** Whitespace (what {@link Character#isWhitespace} says, and the no-break space); printable ASCII is tested first. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\u00A0' || Character.isWhitespace(c);
    }
}
