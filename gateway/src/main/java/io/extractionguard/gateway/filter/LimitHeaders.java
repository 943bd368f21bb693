package io.extractionguard.gateway.filter;

import java.time.Instant;

import org.springframework.http.HttpHeaders;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.request.ApiFormat;

/**
 * Rate-limit response headers, named and formatted as each upstream API does, so SDKs and
 * dashboards built for it read them, plus the IETF draft's {@code RateLimit-Policy} / {@code RateLimit}
 * for requests.
 *
 * <ul>
 *   <li>Anthropic ({@code /v1/messages}): {@code anthropic-ratelimit-requests-limit|remaining|reset},
 *       {@code anthropic-ratelimit-tokens-…} (the more restrictive of input and output),
 *       {@code anthropic-ratelimit-input-tokens-…} and {@code anthropic-ratelimit-output-tokens-…};
 *       resets are RFC 3339 instants at which the window is full again.</li>
 *   <li>OpenAI: {@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests},
 *       {@code x-ratelimit-reset-requests} and the {@code -tokens} variants (the more restrictive
 *       direction); resets are durations such as {@code 1s}, {@code 6m0s}.</li>
 * </ul>
 *
 * Token figures are the budgets' state when the request was admitted: the request's own usage is
 * charged after its response, so it shows in the next response's headers.
 */
final class LimitHeaders {

    private LimitHeaders() {
    }

    static void write(HttpHeaders headers, ApiFormat format, Decision decision, Instant now) {
        LimitOutcome requests = decision.limit();
        TokenOutcome tokens = decision.tokens();
        boolean hasRequests = requests != null && !requests.isUnlimited();
        boolean hasTokens = tokens != null && !tokens.isUnlimited();
        if (hasRequests) {
            headers.set("RateLimit-Policy", "\"requests\";q=" + requests.limit() + ";w=" + requests.windowSeconds());
            headers.set("RateLimit", "\"requests\";r=" + Math.max(0, requests.remaining()) + ";t="
                    + requests.resetSeconds());
        }
        if (format.isOpenAi()) {
            if (hasRequests) {
                openAi(headers, "requests", requests);
            }
            if (hasTokens) {
                openAi(headers, "tokens", tokens.binding());
            }
            return;
        }
        if (hasRequests) {
            anthropic(headers, "requests", requests, now);
        }
        if (hasTokens) {
            anthropic(headers, "tokens", tokens.binding(), now);
            anthropic(headers, "input-tokens", tokens.input(), now);
            anthropic(headers, "output-tokens", tokens.output(), now);
        }
    }

    private static void anthropic(HttpHeaders headers, String what, LimitOutcome o, Instant now) {
        if (o.isUnlimited()) {
            return;
        }
        String prefix = "anthropic-ratelimit-" + what;
        headers.set(prefix + "-limit", Long.toString(o.limit()));
        headers.set(prefix + "-remaining", Long.toString(Math.max(0, o.remaining())));
        // rounded up to the second: a client that waits until then finds the window full
        headers.set(prefix + "-reset", instant(now.getEpochSecond() + o.resetSeconds() + (now.getNano() > 0 ? 1 : 0)));
    }

    /** Whole-second instants as RFC 3339 text, by second (direct-mapped; a slot holds one immutable entry). */
    private static final Stamp[] STAMPS = new Stamp[64];

    private record Stamp(long second, String text) {
    }

    /**
     * {@code Instant.ofEpochSecond(second).toString()}, formatted once per second and slot: the four reset
     * headers of a request, and the next requests', fall on a few seconds.
     */
    static String instant(long second) {
        int slot = (int) (second & (STAMPS.length - 1));
        Stamp stamp = STAMPS[slot]; // racy by design: a stale or missing entry is formatted anew
        if (stamp == null || stamp.second() != second) {
            stamp = new Stamp(second, Instant.ofEpochSecond(second).toString());
            STAMPS[slot] = stamp;
        }
        return stamp.text();
    }

    private static void openAi(HttpHeaders headers, String what, LimitOutcome o) {
        if (o.isUnlimited()) {
            return;
        }
        headers.set("x-ratelimit-limit-" + what, Long.toString(o.limit()));
        headers.set("x-ratelimit-remaining-" + what, Long.toString(Math.max(0, o.remaining())));
        headers.set("x-ratelimit-reset-" + what, duration(o.resetSeconds()));
    }

    /** A duration as OpenAI writes it: {@code 0s}, {@code 17s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String duration(long seconds) {
        long s = Math.max(0, seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        return (s / 3600) + "h" + (s % 3600 / 60) + "m" + (s % 60) + "s";
    }
}
