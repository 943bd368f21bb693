package io.extractionguard.gateway.usage;

import java.nio.ByteBuffer;
import java.util.function.LongConsumer;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.async.ByteBufferFeeder;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads the usage of one response from its bytes as they pass, without holding them back: a JSON
 * body through a non-blocking parser fed buffer by buffer, an SSE stream event by event. The
 * caller forwards every buffer right after {@link #feed}.
 *
 * <p>When a response ends before its final usage (the client went away, the backend broke off) or
 * carries none, the missing figures are estimated: output from the generated characters seen at
 * about {@value #CHARS_PER_TOKEN} characters per token (never less than the output the response
 * already reported), input from the request's prompt characters at the same ratio.
 *
 * <p>With {@code stripUsageOnlyChunk} (an OpenAI Chat stream whose usage the gateway asked for on
 * the client's behalf) the SSE stream is forwarded event by event, and the usage-only chunk the
 * client did not ask for is dropped. Not thread-safe: the caller serialises calls.
 */
final class ResponseMeter {

    /** Characters per token for estimates: the usual rule of thumb for English text and code. */
    static final int CHARS_PER_TOKEN = 4;

    private final UsageJson usage;
    /** The answer's digests (claimed-answer verification); null when not recorded. */
    private final AnswerTexts answers;
    private final long promptChars;
    private final JsonParser body;
    private final SseEvents events;
    private final JsonFactory factory;
    private boolean broken;
    private final boolean strips;

    private ResponseMeter(JsonFactory factory, boolean sse, boolean stripUsageOnlyChunk, long promptChars,
                          LongConsumer answered) {
        this.answers = answered == null ? null : new AnswerTexts(answered);
        this.usage = new UsageJson(answers, !sse);
        this.factory = factory;
        this.promptChars = promptChars;
        this.strips = sse && stripUsageOnlyChunk;
        if (sse) {
            this.body = null;
            this.events = new SseEvents(this::event, stripUsageOnlyChunk);
        } else {
            this.body = factory.createNonBlockingByteBufferParser(ObjectReadContext.empty());
            this.events = null;
        }
    }

    /** @param answered receives the digest of each answer when it ends ({@link AnswerTexts}); null: not digested */
    static ResponseMeter json(JsonFactory factory, long promptChars, LongConsumer answered) {
        return new ResponseMeter(factory, false, false, promptChars, answered);
    }

    /** @param answered receives the digest of each answer when it ends ({@link AnswerTexts}); null: not digested */
    static ResponseMeter sse(JsonFactory factory, boolean stripUsageOnlyChunk, long promptChars, LongConsumer answered) {
        return new ResponseMeter(factory, true, stripUsageOnlyChunk, promptChars, answered);
    }

    /** Reads a view of a buffer's bytes (the view's position is advanced, the buffer's is not). */
    void feed(ByteBuffer bytes) {
        if (events != null) {
            events.feed(bytes);
            return;
        }
        if (broken) {
            return;
        }
        try {
            ((ByteBufferFeeder) body.nonBlockingInputFeeder()).feedInput(bytes);
            JsonToken t;
            while ((t = body.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
                usage.token(body, t);
            }
        } catch (JacksonException | IllegalStateException e) {
            broken = true; // not JSON after all: the usage will be estimated
        }
    }

    /** Whether this meter rewrites the stream (strip mode over SSE); a JSON answer is never rewritten. */
    boolean strips() {
        return strips;
    }

    /** In strip mode: the bytes of the complete events fed so far that are to be forwarded. */
    byte[] forwardable() {
        return events.takeKept();
    }

    /** In strip mode, at the end of the stream: bytes of an unterminated last event, forwarded as they are. */
    byte[] remainder() {
        return events.takeIncomplete();
    }

    private boolean event(byte[] data, int length) {
        switch (LeadingType.of(data, length)) {
            case NOTHING -> {
                return true;
            }
            case PART -> {
                if (answers != null) {
                    answers.boundary(0);
                }
                return true;
            }
            case END -> {
                if (answers != null) {
                    answers.end();
                }
                return true;
            }
            default -> {
                return parse(data, length);
            }
        }
    }

    /** Reads an event's data through the JSON parser: its usage, text and answer events ({@link UsageJson}). */
    private boolean parse(byte[] data, int length) {
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), data, 0, length)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                usage.token(p, t);
            }
        } catch (JacksonException e) {
            if (answers != null && isDone(data, length)) {
                answers.end(); // the end of a Chat stream
            }
            return true; // "[DONE]" and other non-JSON data
        }
        return !usage.lastValueWasUsageOnlyChunk();
    }

    private static boolean isDone(byte[] data, int length) {
        return length == 6 && data[0] == '[' && data[1] == 'D' && data[2] == 'O' && data[3] == 'N' && data[4] == 'E'
                && data[5] == ']';
    }

    /**
     * The usage of the response (and the end of its answer, if it did not end before: a stream broken off or given
     * up is digested as far as it was passed on).
     *
     * @param complete whether the response ended normally (its last usage figures are final)
     */
    Usage usage(boolean complete) {
        if (answers != null) {
            answers.end();
        }
        if (body != null) {
            // closing hands the field names this response added back to the factory's shared table,
            // so the next response's parser finds them instead of copying the table to add them again
            try {
                body.close();
            } catch (JacksonException e) {
                // nothing to release then
            }
        }
        long input = usage.input();
        long output = usage.output();
        boolean reported = complete && input >= 0 && output >= 0;
        if (!reported) {
            long streamed = (usage.textChars() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
            output = Math.max(output, streamed);
            if (input < 0) {
                input = (promptChars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
            }
        }
        return new Usage(input, output, reported);
    }
}
