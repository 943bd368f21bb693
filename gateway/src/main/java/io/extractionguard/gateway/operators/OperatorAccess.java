package io.extractionguard.gateway.operators;

import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operator access for WebFlux endpoints. As a {@link WebFilter} it authenticates every request under
 * its path prefixes ({@link OperatorAuthenticator}): no credentials get 401 with
 * {@code WWW-Authenticate: Bearer}, invalid ones 403, and an authenticated request carries its
 * {@link Operator} ({@link #operator(ServerRequest)}). {@link #requires} wraps a handler with the role
 * it needs: an operator without it gets 403 naming the missing role, and the handler never runs.
 * Outcomes are counted in {@code guard.admin.requests{outcome}}: authenticated, unauthenticated,
 * forbidden (bad credentials), denied (missing role).
 */
public final class OperatorAccess implements WebFilter {

    private static final Logger log = LoggerFactory.getLogger(OperatorAccess.class);
    private static final String ATTRIBUTE = OperatorAccess.class.getName() + ".operator";

    private final OperatorAuthenticator authenticator;
    private final List<String> prefixes;
    private final JsonMapper json;
    private final Counter authenticated;
    private final Counter unauthenticated;
    private final Counter forbidden;
    private final Counter denied;

    /** Authenticates requests whose path is one of {@code prefixes} or below it. */
    public OperatorAccess(OperatorAuthenticator authenticator, MeterRegistry meters, JsonMapper json, List<String> prefixes) {
        this.authenticator = authenticator;
        this.prefixes = List.copyOf(prefixes);
        this.json = json;
        this.authenticated = count(meters, "authenticated");
        this.unauthenticated = count(meters, "unauthenticated");
        this.forbidden = count(meters, "forbidden");
        this.denied = count(meters, "denied");
    }

    private static Counter count(MeterRegistry meters, String outcome) {
        return Counter.builder("guard.admin.requests").description("Operator API requests by authentication outcome")
                .tag("outcome", outcome).register(meters);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!covered(matchedPath(exchange))) {
            return chain.filter(exchange);
        }
        return authenticator.authenticate(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION))
                .flatMap(result -> switch (result) {
                    case Authentication.Missing m -> {
                        unauthenticated.increment();
                        exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE,
                                "Bearer realm=\"extraction-guard-admin\"");
                        yield refuse(exchange, HttpStatus.UNAUTHORIZED,
                                "authentication required: Authorization: Bearer <operator token or OIDC access token>");
                    }
                    case Authentication.Refused r -> {
                        forbidden.increment();
                        log.info("operator authentication refused for {} {}: {}", exchange.getRequest().getMethod(),
                                exchange.getRequest().getPath().value(), r.reason());
                        yield refuse(exchange, HttpStatus.FORBIDDEN, r.reason());
                    }
                    case Authentication.Authenticated a -> {
                        authenticated.increment();
                        exchange.getAttributes().put(ATTRIBUTE, a.operator());
                        yield chain.filter(exchange);
                    }
                });
    }

    /**
     * The path as request routing matches it: decoded, without {@code ;matrix} parameters. Checking
     * the raw path would let {@code /admin;x/policy/reload} or {@code /%61dmin/...} past the prefix
     * check while still reaching the handler.
     */
    private static String matchedPath(ServerWebExchange exchange) {
        StringBuilder b = new StringBuilder();
        for (PathContainer.Element e : exchange.getRequest().getPath().pathWithinApplication().elements()) {
            b.append(e instanceof PathContainer.PathSegment s ? s.valueToMatch() : e.value());
        }
        return b.toString();
    }

    private boolean covered(String path) {
        for (String p : prefixes) {
            if (path.equals(p) || path.startsWith(p) && path.charAt(p.length()) == '/') {
                return true;
            }
        }
        return false;
    }

    /**
     * The operator this request was authenticated as; only inside a handler wrapped by {@link #requires}.
     *
     * @throws IllegalStateException when no {@link OperatorAccess} filter authenticated the request (a wiring error)
     */
    public static Operator operator(ServerRequest request) {
        return current(request.exchange()).orElseThrow(() -> new IllegalStateException("no authenticated operator for "
                + request.path() + ": not under an OperatorAccess filter's prefixes"));
    }

    /** The operator this exchange was authenticated as, if an {@link OperatorAccess} filter did. */
    public static Optional<Operator> current(ServerWebExchange exchange) {
        return Optional.ofNullable(exchange.getAttribute(ATTRIBUTE));
    }

    /**
     * {@code handler}, run only for an operator who has {@code role}; anyone else gets 403 naming it
     * (401 if, by a wiring error, no filter authenticated the request: never the handler).
     */
    public HandlerFunction<ServerResponse> requires(Role role, HandlerFunction<ServerResponse> handler) {
        return request -> {
            Optional<Operator> current = current(request.exchange());
            if (current.isEmpty()) {
                unauthenticated.increment();
                return ServerResponse.status(HttpStatus.UNAUTHORIZED).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(json.writeValueAsBytes(json.createObjectNode().put("error", "authentication required")));
            }
            Operator o = current.get();
            if (o.has(role)) {
                return handler.handle(request);
            }
            denied.increment();
            log.warn("operator {} ({}) denied {} {}: lacks the '{}' role", o.name(), o.credential().label(),
                    request.method(), request.path(), role.label());
            return ServerResponse.status(HttpStatus.FORBIDDEN).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(json.writeValueAsBytes(json.createObjectNode().put("error",
                            "operator " + o.name() + " lacks the '" + role.label() + "' role")));
        };
    }

    private Mono<Void> refuse(ServerWebExchange exchange, HttpStatus status, String message) {
        byte[] body = json.writeValueAsBytes(json.createObjectNode().put("error", message));
        exchange.getResponse().setStatusCode(status);
        exchange.getResponse().getHeaders().setContentType(MediaType.APPLICATION_JSON);
        return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(body)));
    }
}
