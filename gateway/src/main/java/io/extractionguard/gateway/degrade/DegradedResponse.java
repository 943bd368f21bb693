package io.extractionguard.gateway.degrade;

import java.util.function.IntConsumer;

import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import java.util.function.Supplier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import io.extractionguard.gateway.filter.AnswerCoding;
import io.extractionguard.gateway.filter.DataBuffers;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;

/**
 * A degraded request's response on its way to the client, reasoning removed: a successful JSON
 * body is read whole and rewritten (its length updated); an SSE stream is rewritten buffer by buffer,
 * each complete event passed on at once. A successful JSON or SSE body the upstream compressed
 * although it was asked for {@code identity} is read whole, decoded ({@link AnswerCoding}), rewritten and
 * sent uncompressed; one that cannot be decoded is refused (502 in the API's error format): it
 * never passes with its reasoning. Anything else (an error, another content type) passes as it came.
 */
final class DegradedResponse extends ServerHttpResponseDecorator {

    private final ReasoningFilter filter;
    private final IntConsumer removed;
    private final Supplier<byte[]> refusal;

    /** @param refusal the API's error body for an answer that cannot be decoded (502) */
    DegradedResponse(ServerHttpResponse delegate, ReasoningFilter filter, IntConsumer removed, Supplier<byte[]> refusal) {
        super(delegate);
        this.filter = filter;
        this.removed = removed;
        this.refusal = refusal;
    }

    private enum Kind { JSON, SSE, NONE }

    private Kind kind() {
        HttpStatusCode status = getStatusCode();
        MediaType type = getHeaders().getContentType();
        if (status == null || !status.is2xxSuccessful() || type == null) {
            return Kind.NONE;
        }
        return type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM) ? Kind.SSE
                : type.isCompatibleWith(MediaType.APPLICATION_JSON) ? Kind.JSON : Kind.NONE;
    }

    /** The body's content coding, null when it is sent as is. */
    private String encoding() {
        return AnswerCoding.of(getHeaders());
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        Kind kind = kind();
        String encoding = encoding();
        if (kind != Kind.NONE && encoding != null) {
            return decoded(Flux.from(body), kind, encoding);
        }
        return switch (kind) {
            case NONE -> super.writeWith(body);
            case SSE -> super.writeWith(events(Flux.from(body)));
            case JSON -> DataBufferUtils.join(body).map(DataBuffers::drain).defaultIfEmpty(new byte[0])
                    .flatMap(bytes -> {
                        byte[] out = filter.json(bytes);
                        removed.accept(filter.removedCount());
                        if (out != bytes && getHeaders().getContentLength() >= 0) {
                            getHeaders().setContentLength(out.length);
                        }
                        return super.writeWith(Mono.just(bufferFactory().wrap(out)));
                    });
        };
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        Kind kind = kind();
        if (kind == Kind.JSON || (kind == Kind.SSE && encoding() != null)) {
            return writeWith(Flux.from(body).concatMap(Flux::from));
        }
        if (kind == Kind.NONE) {
            return super.writeAndFlushWith(body);
        }
        // an event cut across chunks is held back until its end arrives, in a later chunk or the last one
        return super.writeAndFlushWith(Flux.from(body).map(chunk -> feed(Flux.from(chunk)))
                .concatWith(Mono.fromSupplier(this::tail))
                .doFinally(signal -> removed.accept(filter.removedCount())));
    }

    /** A compressed answer read whole, decoded and rewritten, sent uncompressed; refused when it cannot be decoded. */
    private Mono<Void> decoded(Flux<? extends DataBuffer> body, Kind kind, String encoding) {
        return AnswerCoding.read(body, encoding).flatMap(plain -> {
            HttpHeaders headers = getHeaders();
            headers.remove(HttpHeaders.CONTENT_ENCODING);
            byte[] out;
            if (!plain.decoded()) {
                setStatusCode(HttpStatus.BAD_GATEWAY);
                headers.setContentType(MediaType.APPLICATION_JSON);
                out = refusal.get();
            } else if (kind == Kind.JSON) {
                out = filter.json(plain.plain());
            } else {
                synchronized (filter) {
                    byte[] events = filter.feed(plain.plain());
                    byte[] rest = filter.finish();
                    out = java.util.Arrays.copyOf(events, events.length + rest.length);
                    System.arraycopy(rest, 0, out, events.length, rest.length);
                }
            }
            removed.accept(filter.removedCount());
            headers.setContentLength(out.length);
            return super.writeWith(Mono.just(bufferFactory().wrap(out)));
        });
    }

    /** The stream's buffers with reasoning events removed; the held-back incomplete event at the end. */
    private Flux<DataBuffer> events(Flux<? extends DataBuffer> body) {
        return feed(body).concatWith(tail()).doFinally(signal -> removed.accept(filter.removedCount()));
    }

    /** The complete events in these buffers, reasoning removed. */
    private Flux<DataBuffer> feed(Flux<? extends DataBuffer> body) {
        return Flux.<DataBuffer>from(body).handle((DataBuffer buffer, SynchronousSink<DataBuffer> sink) -> {
            byte[] kept;
            synchronized (filter) {
                kept = filter.feed(DataBuffers.drain(buffer));
            }
            if (kept.length > 0) {
                sink.next(bufferFactory().wrap(kept));
            }
        });
    }

    /** An incomplete last event, passed on as it came. */
    private Flux<DataBuffer> tail() {
        return Flux.defer(() -> {
            byte[] rest;
            synchronized (filter) {
                rest = filter.finish();
            }
            return rest.length == 0 ? Flux.empty() : Flux.just(bufferFactory().wrap(rest));
        });
    }
}
