package io.extractionguard.gateway.filter;

import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;

import io.extractionguard.engine.request.ContentDecoding;
import reactor.core.publisher.Mono;

/**
 * The content coding of a model's answer. The guard reads every answer it forwards (usage, batch
 * file ids, reasoning to strip), so it asks for {@link #ACCEPT} whatever the client accepted; an
 * answer compressed anyway is read whole and decoded (gzip, deflate; bounded), or found unreadable.
 */
public final class AnswerCoding {

    /** The {@code Accept-Encoding} of every forwarded request: the answer must be readable. */
    public static final String ACCEPT = "identity";

    /** Largest compressed or decoded body of an answer compressed anyway; larger ones are unreadable. */
    public static final int MAX_DECODED_BYTES = 32 << 20;

    /** An answer read whole: its bytes as sent, and decoded (null when they cannot be). */
    public record Read(byte[] raw, byte[] plain) {
        public boolean decoded() {
            return plain != null;
        }
    }

    private AnswerCoding() {
    }

    /** The answer's content coding, null when it is sent as is. */
    public static String of(HttpHeaders headers) {
        String coding = headers.getFirst(HttpHeaders.CONTENT_ENCODING);
        return coding == null || coding.isBlank() || coding.trim().equalsIgnoreCase("identity") ? null : coding;
    }

    /** Reads a compressed answer whole and decodes it; fails (DataBufferLimitException) past the cap. */
    public static Mono<Read> read(Publisher<? extends DataBuffer> body, String coding) {
        return DataBufferUtils.join(body, MAX_DECODED_BYTES).map(DataBuffers::drain).defaultIfEmpty(new byte[0])
                .map(raw -> {
                    ContentDecoding.Result plain = ContentDecoding.decode(coding, raw, MAX_DECODED_BYTES);
                    return new Read(raw, plain.ok() ? plain.body() : null);
                });
    }
}
