package io.extractionguard.gateway.usage;

import java.util.function.LongConsumer;

import io.extractionguard.engine.request.AnswerDigest;

/**
 * The answers of one response as {@link AnswerDigest}s, built from the text {@link UsageJson} finds while the body
 * passes (claimed-answer verification, docs/campaigns.md "Structural conviction"): one per choice (Chat's {@code n},
 * up to {@value #MAX_CHOICES}), no text kept. When the answer ends — its end event or the end of its JSON body, else
 * the end of the stream however it ended — each digest goes to {@code answered}, once. The meter reads what the
 * client is sent, so a degraded answer is digested without its reasoning. Not thread-safe: the meter's caller
 * serialises calls.
 */
final class AnswerTexts {

    /** Choices digested; further ones are not (their follow-ups are unverified). */
    static final int MAX_CHOICES = 8;

    private final AnswerDigest[] choices = new AnswerDigest[MAX_CHOICES];
    private final LongConsumer answered;
    private boolean done;

    AnswerTexts(LongConsumer answered) {
        this.answered = answered;
    }

    /** Answer text of {@code choice}. */
    void text(int choice, char[] chars, int offset, int length) {
        AnswerDigest d = digest(choice);
        if (d != null) {
            d.text(chars, offset, length);
        }
    }

    /** A boundary between text parts (blocks, content parts, output items) of {@code choice}. */
    void boundary(int choice) {
        AnswerDigest d = digest(choice);
        if (d != null) {
            d.boundary();
        }
    }

    /** The answer ended (or the response did): hands its digests on, once. An answer without text is the empty one. */
    void end() {
        if (done) {
            return;
        }
        done = true;
        boolean any = false;
        for (AnswerDigest d : choices) {
            if (d != null) {
                answered.accept(d.digest());
                any = true;
            }
        }
        if (!any) { // tool calls only: the client resends an assistant turn without text
            answered.accept(new AnswerDigest().digest());
        }
    }

    private AnswerDigest digest(int choice) {
        if (done || choice < 0 || choice >= MAX_CHOICES) {
            return null;
        }
        if (choices[choice] == null) {
            choices[choice] = new AnswerDigest();
        }
        return choices[choice];
    }
}
