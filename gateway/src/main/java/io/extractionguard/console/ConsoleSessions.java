package io.extractionguard.console;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.gateway.operators.Operator;

/**
 * Browser sessions of the console: an operator presents a credential once (what the admin API takes
 * as a bearer token) and gets an opaque session id for an {@code HttpOnly; SameSite=Strict} cookie,
 * plus a CSRF token bound to the session for every form that acts. Held in this replica's memory
 * only (route an operator's browser to one replica); idle sessions end after {@link #IDLE}, every
 * session after {@link #ABSOLUTE}, at most {@link #MAX} at once. The credential itself is not kept.
 */
final class ConsoleSessions {

    static final Duration IDLE = Duration.ofMinutes(30);
    static final Duration ABSOLUTE = Duration.ofHours(8);
    static final int MAX = 10_000;

    /** A signed-in operator; {@code flash} is a one-shot message for the next page. */
    static final class Session {
        final Operator operator;
        final String csrf;
        final Instant started;
        private final ConcurrentMap<String, String> flash = new ConcurrentHashMap<>();

        Session(Operator operator, String csrf, Instant started) {
            this.operator = operator;
            this.csrf = csrf;
            this.started = started;
        }

        void flash(String message) {
            flash.put("message", message);
        }

        Optional<String> takeFlash() {
            return Optional.ofNullable(flash.remove("message"));
        }

        /** Whether {@code presented} is this session's CSRF token (constant time). */
        boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(csrf.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Cache<String, Session> sessions;

    ConsoleSessions(Clock clock) {
        this.clock = clock;
        this.sessions = Caffeine.newBuilder().maximumSize(MAX).expireAfterAccess(IDLE).build();
    }

    /** A new session for {@code operator}; returns its id (the cookie's value). */
    String open(Operator operator) {
        String id = token();
        sessions.put(id, new Session(operator, token(), clock.instant()));
        return id;
    }

    Optional<Session> find(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        Session s = sessions.getIfPresent(id);
        if (s != null && clock.instant().isAfter(s.started.plus(ABSOLUTE))) {
            sessions.invalidate(id);
            return Optional.empty();
        }
        return Optional.ofNullable(s);
    }

    void close(String id) {
        if (id != null) {
            sessions.invalidate(id);
        }
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
