package io.extractionguard.gateway.usage;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import io.extractionguard.gateway.filter.AnswerCoding;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import tools.jackson.core.json.JsonFactory;

/**
 * The client's response, metering the usage of a forwarded request while its body passes: each
 * buffer goes on to the client as soon as its bytes have been read (nothing is held back), and the
 * usage is reported exactly once, when the body ends, the client goes away (cancel) or the
 * stream fails. Only successful JSON and SSE responses are metered; any other response releases the
 * request's token reservation.
 *
 * <p>In strip mode (see {@link ResponseMeter}) buffers are forwarded as complete SSE events. An
 * answer compressed anyway is read whole and decoded, or charged its reservation ({@link #compressed}).
 */
final class MeteredResponse extends ServerHttpResponseDecorator {

    private final JsonFactory factory;
    private final boolean stripUsageOnlyChunk;
    private final long promptChars;
    private final UsageMetering.Settlement settlement;
    private final java.util.function.LongConsumer answered;
    private ResponseMeter meter;
    private boolean reported;

    /** @param answered receives each answer's digest ({@link AnswerTexts}); null: answers not digested */
    MeteredResponse(ServerHttpResponse delegate, JsonFactory factory, boolean stripUsageOnlyChunk, long promptChars,
                    UsageMetering.Settlement settlement, java.util.function.LongConsumer answered) {
        super(delegate);
        this.answered = answered;
        this.factory = factory;
        this.stripUsageOnlyChunk = stripUsageOnlyChunk;
        this.promptChars = promptChars;
        this.settlement = settlement;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        if (!start()) {
            return super.writeWith(body);
        }
        String coding = AnswerCoding.of(getHeaders());
        if (coding != null) {
            return compressed(body, coding);
        }
        return super.writeWith(withRemainder(pass(Flux.from(body)))
                .doFinally(this::finish));
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        if (AnswerCoding.of(getHeaders()) != null) { // read whole: see compressed
            return writeWith(Flux.from(body).concatMap(Flux::from));
        }
        if (!start()) {
            return super.writeAndFlushWith(body);
        }
        Flux<Flux<DataBuffer>> chunks = Flux.from(body).map(chunk -> pass(Flux.from(chunk)));
        if (meter.strips()) {
            chunks = chunks.concatWith(Flux.defer(() -> Flux.just(remainder())));
        }
        return super.writeAndFlushWith(chunks.doFinally(this::finish));
    }

    /**
     * Chooses how to read the body from the response's status and content type; false: not metered,
     * and the request's token reservation is released (an error from the model is not charged).
     */
    private boolean start() {
        settlement.responding();
        boolean metered = chooseMeter();
        if (!metered) {
            settlement.release();
        }
        return metered;
    }

    private boolean chooseMeter() {
        HttpStatusCode status = getStatusCode();
        MediaType type = getHeaders().getContentType();
        if (status == null || !status.is2xxSuccessful() || type == null) {
            return false;
        }
        if (type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)) {
            meter = ResponseMeter.sse(factory, stripUsageOnlyChunk, promptChars, answered);
        } else if (type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
            meter = ResponseMeter.json(factory, promptChars, answered);
        } else {
            return false;
        }
        return true;
    }

    /**
     * An answer compressed although it was asked for {@code identity}: read whole and decoded
     * (bounded, {@link AnswerCoding}), metered, and sent on decoded (in strip mode without the
     * usage-only chunk). One that cannot be decoded passes as it came and is charged its whole
     * reservation; so is one that breaks off or is given up before it was read.
     */
    private Mono<Void> compressed(Publisher<? extends DataBuffer> body, String coding) {
        return AnswerCoding.read(body, coding).flatMap(read -> {
            if (!read.decoded()) {
                unreadable();
                return super.writeWith(Mono.just(bufferFactory().wrap(read.raw())));
            }
            byte[] out;
            synchronized (this) {
                meter.feed(ByteBuffer.wrap(read.plain()));
                out = meter.strips() ? concat(meter.forwardable(), meter.remainder()) : read.plain();
            }
            finish(SignalType.ON_COMPLETE);
            getHeaders().remove(HttpHeaders.CONTENT_ENCODING);
            getHeaders().setContentLength(out.length);
            return super.writeWith(Mono.just(bufferFactory().wrap(out)));
        }).doFinally(signal -> unreadable());
    }

    /** Settles an answer whose usage was not read with the request's whole reservation (once). */
    private void unreadable() {
        synchronized (this) {
            if (reported) {
                return;
            }
            reported = true;
        }
        settlement.unreadable();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private Flux<DataBuffer> withRemainder(Flux<DataBuffer> body) {
        return meter != null && meter.strips() ? body.concatWith(remainder()) : body;
    }

    private Flux<DataBuffer> remainder() {
        return Flux.defer(() -> {
            byte[] rest;
            synchronized (this) {
                rest = meter.remainder();
            }
            return rest.length == 0 ? Flux.empty() : Flux.just(bufferFactory().wrap(rest));
        });
    }

    /**
     * The body as it goes on to the client, each buffer read by the meter first. {@code doOnNext} and
     * {@code map}, not {@code handle}: with Reactor's context propagation ({@code limited}) a {@code handle}
     * restores the request's thread-locals around every buffer, work that bought nothing here.
     */
    private Flux<DataBuffer> pass(Flux<DataBuffer> body) {
        if (!meter.strips()) {
            return body.doOnNext(this::read);
        }
        return body.map(this::strip).filter(kept -> kept.readableByteCount() > 0);
    }

    private void read(DataBuffer buffer) {
        synchronized (this) {
            feed(buffer);
        }
    }

    /** Strip mode: the complete events of the buffer and before it that are to be forwarded (perhaps none). */
    private DataBuffer strip(DataBuffer buffer) {
        byte[] kept;
        try {
            synchronized (this) {
                feed(buffer);
                kept = meter.forwardable();
            }
        } finally {
            // also when the meter throws: the stream then ends in that error, and Reactor's map does not
            // release the element whose mapping failed
            DataBufferUtils.release(buffer);
        }
        return bufferFactory().wrap(kept);
    }

    private void feed(DataBuffer buffer) {
        try (DataBuffer.ByteBufferIterator views = buffer.readableByteBuffers()) {
            while (views.hasNext()) {
                meter.feed(views.next());
            }
        }
    }

    private void finish(SignalType signal) {
        Usage usage;
        synchronized (this) {
            if (reported) {
                return;
            }
            reported = true;
            usage = meter.usage(signal == SignalType.ON_COMPLETE);
        }
        settlement.usage(usage);
    }
}
