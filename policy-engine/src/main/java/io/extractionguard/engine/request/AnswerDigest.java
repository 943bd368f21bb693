package io.extractionguard.engine.request;

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

    private final HashStream64 stream = Hashing.komihash5_0().hashStream();
    private boolean started;
    private boolean space;

    /** Adds {@code length} characters of text from {@code chars}. */
    public AnswerDigest text(char[] chars, int offset, int length) {
        int end = offset + length;
        int run = offset;
        for (int i = offset; i < end; i++) {
            if (isSpace(chars[i])) {
                if (i > run) {
                    word(chars, run, i);
                }
                run = i + 1;
                space = started;
            }
        }
        if (end > run) {
            word(chars, run, end);
        }
        return this;
    }

    /** Adds a piece of text. */
    public AnswerDigest text(CharSequence text) {
        char[] chars = new char[Math.min(text.length(), 4096)];
        for (int from = 0; from < text.length(); from += chars.length) {
            int n = Math.min(chars.length, text.length() - from);
            for (int i = 0; i < n; i++) {
                chars[i] = text.charAt(from + i);
            }
            text(chars, 0, n);
        }
        return this;
    }

    /** A boundary between two text parts: whitespace. */
    public AnswerDigest boundary() {
        space = started;
        return this;
    }

    /** The digest of the canonical text so far. */
    public long digest() {
        return stream.getAsLong();
    }

    /** The digest of one whole text. */
    public static long of(CharSequence text) {
        return new AnswerDigest().text(text).digest();
    }

    private void word(char[] chars, int from, int to) {
        if (space) {
            stream.putChar(' ');
            space = false;
        }
        stream.putChars(chars, from, to - from);
        started = true;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || (c < ' ' ? Character.isWhitespace(c) : c > 0x7F && (c == '\u00A0' || Character.isWhitespace(c)));
    }
}
