package io.extractionguard.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * Bearer-token authentication for {@code /admin/**} on the management port. The token is compared
 * through SHA-256 digests with {@link MessageDigest#isEqual}, so neither its content nor its length
 * leaks through timing. Missing credentials get 401 with {@code WWW-Authenticate}; a wrong token 403.
 */
final class AdminAuthFilter implements WebFilter {

    private final byte[] expected;
    private final MeterRegistry meters;

    AdminAuthFilter(String token, MeterRegistry meters) {
        this.expected = digest(token);
        this.meters = meters;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().startsWith(AdminApi.BASE)) {
            return chain.filter(exchange);
        }
        String auth = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            count("unauthenticated");
            exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"extraction-guard-admin\"");
            return refuse(exchange, HttpStatus.UNAUTHORIZED, "authentication required: Authorization: Bearer <admin token>");
        }
        if (!MessageDigest.isEqual(expected, digest(auth.substring(7).trim()))) {
            count("forbidden");
            return refuse(exchange, HttpStatus.FORBIDDEN, "invalid admin token");
        }
        count("authenticated");
        return chain.filter(exchange);
    }

    private void count(String outcome) {
        Counter.builder("guard.admin.requests").description("Admin API requests by authentication outcome")
                .tag("outcome", outcome).register(meters).increment();
    }

    private static Mono<Void> refuse(ServerWebExchange exchange, HttpStatus status, String message) {
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponse().setStatusCode(status);
        exchange.getResponse().getHeaders().setContentType(MediaType.APPLICATION_JSON);
        return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(body)));
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
