package io.extractionguard.console;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import io.extractionguard.gateway.operators.Role;
import reactor.core.publisher.Mono;

/**
 * Who may see and do what in the console. Pages need a session ({@link ConsoleSessions}) whose
 * operator has the page's role (else: to the sign-in page, or 403). Every POST that acts must come
 * from the console itself: the browser's {@code Sec-Fetch-Site} (when sent) is {@code same-origin},
 * its {@code Origin} (when sent) is this host, and the form carries the session's CSRF token; the
 * session cookie is {@code SameSite=Strict} besides. As a {@link WebFilter} it puts the security
 * headers on every console response: a Content-Security-Policy without any script, inline style,
 * framing or foreign origin; no caching, no referrer to other sites, no MIME sniffing.
 */
final class ConsoleAccess implements WebFilter {

    static final String COOKIE = "eg_console";
    static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'";
    private static final Logger log = LoggerFactory.getLogger(ConsoleAccess.class);

    private final ConsoleSessions sessions;

    ConsoleAccess(ConsoleSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (path.equals(ConsolePages.BASE) || path.startsWith(ConsolePages.BASE + "/")) {
            HttpHeaders h = exchange.getResponse().getHeaders();
            h.set("Content-Security-Policy", CSP);
            h.set("X-Content-Type-Options", "nosniff");
            h.set("X-Frame-Options", "DENY");
            h.set("Referrer-Policy", "same-origin"); // no-referrer would make browsers send "Origin: null" on our own forms
            h.set("Cache-Control", "no-store");
            h.set("Cross-Origin-Opener-Policy", "same-origin");
            h.set("Cross-Origin-Resource-Policy", "same-origin");
        }
        return chain.filter(exchange);
    }

    Optional<ConsoleSessions.Session> session(ServerRequest r) {
        HttpCookie c = r.cookies().getFirst(COOKIE);
        return sessions.find(c == null ? null : c.getValue());
    }

    /** A page for operators with {@code role}; without a session, to the sign-in page. */
    HandlerFunction<ServerResponse> page(Role role, BiFunction<ServerRequest, ConsoleSessions.Session, Mono<ServerResponse>> page) {
        return r -> session(r).map(s -> s.operator.has(role) ? page.apply(r, s) : lacking(r, s, role))
                .orElseGet(() -> ServerResponse.seeOther(URI.create(ConsolePages.BASE + "/login")).build());
    }

    /**
     * An action for operators with {@code role}, from the console's own forms only; the handler gets
     * the form fields.
     */
    HandlerFunction<ServerResponse> action(Role role, Action action) {
        return r -> {
            Optional<String> crossSite = crossSite(r);
            if (crossSite.isPresent()) {
                log.warn("console: refused {} {}: {}", r.method(), r.path(), crossSite.get());
                return ConsolePages.error(HttpStatus.FORBIDDEN, "refused: " + crossSite.get());
            }
            Optional<ConsoleSessions.Session> session = session(r);
            if (session.isEmpty()) {
                return ConsolePages.error(HttpStatus.FORBIDDEN, "not signed in (or the session ended): sign in again");
            }
            ConsoleSessions.Session s = session.get();
            return r.formData().flatMap(form -> {
                if (!s.csrfMatches(form.getFirst("csrf"))) {
                    log.warn("console: refused {} {} by {}: CSRF token missing or wrong", r.method(), r.path(), s.operator.name());
                    return ConsolePages.error(HttpStatus.FORBIDDEN, "refused: the form's CSRF token is missing or wrong "
                            + "(reload the page and try again)");
                }
                return s.operator.has(role) ? action.apply(r, s, form) : lacking(r, s, role);
            });
        };
    }

    /** Why this request comes from another site, if it does. */
    static Optional<String> crossSite(ServerRequest r) {
        String site = r.headers().firstHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin")) {
            return Optional.of("cross-site request (Sec-Fetch-Site: " + site + ")");
        }
        String origin = r.headers().firstHeader(HttpHeaders.ORIGIN);
        if (origin != null) {
            String host = r.headers().firstHeader(HttpHeaders.HOST);
            URI o;
            try {
                o = URI.create(origin);
            } catch (IllegalArgumentException e) {
                return Optional.of("unreadable Origin");
            }
            String originHost = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            if (host == null || o.getHost() == null || !originHost.equalsIgnoreCase(host)) {
                return Optional.of("cross-origin request (Origin " + origin + ")");
            }
        }
        return Optional.empty();
    }

    private static Mono<ServerResponse> lacking(ServerRequest r, ConsoleSessions.Session s, Role role) {
        log.warn("console: operator {} denied {} {}: lacks the '{}' role", s.operator.name(), r.method(), r.path(), role.label());
        return ConsolePages.error(HttpStatus.FORBIDDEN, "operator " + s.operator.name() + " lacks the '" + role.label() + "' role");
    }

    static ResponseCookie cookie(String value, Duration maxAge, boolean secure) {
        return ResponseCookie.from(COOKIE, value).path(ConsolePages.BASE).httpOnly(true).sameSite("Strict").secure(secure)
                .maxAge(maxAge).build();
    }

    /** A console action: the request, the signed-in session, the form fields. */
    @FunctionalInterface
    interface Action {
        Mono<ServerResponse> apply(ServerRequest r, ConsoleSessions.Session s, MultiValueMap<String, String> form);
    }
}
