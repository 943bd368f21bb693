package io.extractionguard.gateway.filter;

import java.net.InetSocketAddress;
import java.util.List;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.spi.HeaderSource;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import reactor.core.publisher.Flux;

/** What the filter forwards: the request on its canonical path, its body as read, identity headers only when believed. */
final class Forwarding {

    /** Identity and enrichment headers; removed before forwarding when the peer is not trusted. */
    static final List<String> IDENTITY_HEADERS = List.of("x-account-id", "x-org-id", "x-account-tier",
            "x-account-created", "x-payment-fingerprint", "x-client-ja4");

    private Forwarding() {
    }

    /** The exchange with the request on its canonical path (unchanged when it already is). */
    static ServerWebExchange onPath(ServerWebExchange exchange, String path) {
        ServerHttpRequest request = exchange.getRequest();
        return path.equals(request.getPath().value()) ? exchange
                : exchange.mutate().request(request.mutate().path(path).build()).build();
    }

    /** A passed request on its canonical path, identity headers removed when the peer is not trusted. */
    static ServerHttpRequest passed(ServerHttpRequest request, String path, boolean trustedPeer) {
        boolean strip = !trustedPeer && IDENTITY_HEADERS.stream().anyMatch(request.getHeaders()::containsHeader);
        if (!strip && path.equals(request.getPath().value())) {
            return request;
        }
        return request.mutate().path(path).headers(h -> {
            if (strip) {
                IDENTITY_HEADERS.forEach(h::remove);
            }
        }).build();
    }

    /**
     * The request to forward: same headers (identity headers removed for untrusted peers, the
     * length updated when the body was rewritten), the body read, and the answer asked for
     * uncompressed ({@link AnswerCoding#ACCEPT}): the guard reads what it forwards the answer of
     * (usage, file ids, reasoning), and a client's {@code Accept-Encoding: gzip} must not hide it.
     */
    static ServerHttpRequest withBody(ServerHttpRequest request, byte[] body, boolean rewritten, boolean stripIdentity) {
        // copied into Netty's own headers, as the route reads them without the guard: a copy into HttpHeaders' default
        // map lower-cased every name into a linked map (and the copy's forEach built a name set first)
        DefaultHttpHeaders copy = new DefaultHttpHeaders();
        request.getHeaders().asMultiValueMap().forEach(copy::add);
        HttpHeaders h = new HttpHeaders(new Netty4HeadersAdapter(copy));
        if (stripIdentity) {
            IDENTITY_HEADERS.forEach(h::remove);
        }
        h.remove(ChallengeService.SOLUTION_HEADER); // the guard's own protocol, not the model's
        h.set(HttpHeaders.ACCEPT_ENCODING, AnswerCoding.ACCEPT);
        if (rewritten) {
            h.remove(HttpHeaders.CONTENT_ENCODING); // the rewritten body is sent uncompressed
            if (h.getContentLength() >= 0) {
                h.setContentLength(body.length);
            }
        }
        HttpHeaders headers = HttpHeaders.readOnlyHttpHeaders(h);
        // one decorator over the request as it is (path, URI, peer): request.mutate() parsed its path again
        return new ServerHttpRequestDecorator(request) {
            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }

            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
            }
        };
    }

    /**
     * Header values as the engine reads them: repeated field lines joined with commas (RFC 9110
     * section 5.3), so a client's own {@code x-forwarded-for} line cannot shadow the one its proxy
     * added, and two values of an identity header make it invalid rather than first-wins.
     */
    static HeaderSource fieldLines(HttpHeaders headers) {
        return name -> {
            List<String> values = headers.get(name);
            if (values == null || values.isEmpty()) {
                return null;
            }
            return values.size() == 1 ? values.get(0) : String.join(",", values);
        };
    }

    static String peerAddress(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null) {
            return "";
        }
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }
}
