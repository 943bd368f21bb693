package io.extractionguard.gateway.usage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.request.InferenceRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Output-token accounting for forwarded requests: prepares the request so its response reports
 * usage, meters the response as it streams, and charges the usage to the account (profile and
 * token budgets, through {@link GuardEngine#recordUsage(Decision, long, long)}) once it is known;
 * a response that is not metered (an error) or never comes releases the reservation instead.
 * Counts tokens in {@code guard.tokens} (direction input/output, source reported/estimated). The
 * answer is asked for uncompressed; one compressed anyway is decoded to be metered, or charged its
 * whole reservation when it cannot be ({@link MeteredResponse}).
 *
 * <p>An OpenAI Chat Completions stream reports usage only when the client sets
 * {@code stream_options.include_usage}; when it did not, the forwarded body gets that option and
 * the extra usage-only chunk is removed from what the client receives.
 */
@Component
public class UsageMetering {

    private final GuardEngine engine;
    private final JsonMapper json;
    private final JsonFactory factory = JsonFactory.builder().build();
    private final MeterRegistry meters;
    /** The four token counters of a route, built once: one lookup by route per settled request. */
    private final ConcurrentHashMap<String, RouteTokens> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> unreadable = new ConcurrentHashMap<>();

    public UsageMetering(GuardEngine engine, JsonMapper json, MeterRegistry meters) {
        this.engine = engine;
        this.json = json;
        this.meters = meters;
    }

    /**
     * How to forward one admitted request.
     *
     * @param body       the bytes to send upstream (the client's, or with {@code include_usage} added)
     * @param response   wraps the client's response so the usage is metered
     * @param settlement settles the request's token reservation exactly once
     */
    public record Forward(byte[] body, UnaryOperator<ServerHttpResponse> response, Settlement settlement) {

        public boolean bodyChanged(byte[] original) {
            return body != original;
        }
    }

    /**
     * The end of one forwarded request's token reservation, whichever comes first: its metered usage,
     * or a release (an error status or a body that is not metered, no response at all) that charges nothing.
     */
    public final class Settlement {
        private final Decision decision;
        private final String route;
        private final Usage reservation;
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile boolean responding;

        Settlement(Decision decision, String route, Usage reservation) {
            this.decision = decision;
            this.route = route;
            this.reservation = reservation;
        }

        void usage(Usage usage) {
            if (settled.compareAndSet(false, true)) {
                charge(decision, usage, route);
            }
        }

        /**
         * A successful answer whose usage cannot be read (compressed in a coding the guard cannot
         * decode, or too large to decode): charged its whole reservation, never nothing, and counted
         * in {@code guard.usage.unreadable}.
         */
        void unreadable() {
            if (settled.compareAndSet(false, true)) {
                unreadable.computeIfAbsent(route, r -> Counter.builder("guard.usage.unreadable")
                        .description("Answers whose usage could not be read (undecodable coding); charged their reservation")
                        .tag("route", r)
                        .register(meters)).increment();
                charge(decision, reservation, route);
            }
        }

        void release() {
            if (settled.compareAndSet(false, true)) {
                engine.release(decision);
            }
        }

        /** The response began to be written: from here its meter (or its status) settles. */
        void responding() {
            responding = true;
        }

        /** At the end of the exchange: releases a reservation no response settled (the backend never answered). */
        public void ifNoResponse() {
            if (!responding) {
                release();
            }
        }
    }

    public Forward prepare(ApiFormat format, InferenceRequest request, byte[] body, Decision decision, String route) {
        byte[] forwarded = body;
        boolean strip = false;
        if ((format == ApiFormat.OPENAI_CHAT_COMPLETIONS || format == ApiFormat.OPENAI_COMPLETIONS) && request.stream()) {
            byte[] withUsage = withIncludeUsage(body);
            if (withUsage != null) {
                forwarded = withUsage;
                strip = true;
            }
        }
        boolean stripUsageOnlyChunk = strip;
        long promptChars = request.promptChars();
        Settlement settlement = new Settlement(decision, route, reservation(decision, request));
        LongConsumer answered = answered(format, request, decision);
        return new Forward(forwarded, response -> new MeteredResponse(response, factory, stripUsageOnlyChunk,
                promptChars, settlement, answered), settlement);
    }

    /**
     * Where the digests of the request's answers go (claimed-answer verification: the account's follow-ups that
     * resend them verify); null for a request that has no conversation to follow up (legacy Completions, no user
     * turn, a parser that did not read its chain).
     */
    private LongConsumer answered(ApiFormat format, InferenceRequest request, Decision decision) {
        if (format == ApiFormat.OPENAI_COMPLETIONS || request.claimed().conversation() == 0) {
            return null;
        }
        String account = decision.accountId();
        return digest -> engine.answered(account, request, digest);
    }

    /**
     * The body with {@code stream_options.include_usage: true}, or null when the client already
     * asked for usage (or sent {@code stream_options} in a shape we leave alone).
     */
    byte[] withIncludeUsage(byte[] body) {
        try {
            JsonNode root = json.readTree(body);
            if (!(root instanceof ObjectNode object)) {
                return null;
            }
            JsonNode options = object.get("stream_options");
            if (options != null && !options.isNull() && !options.isObject()) {
                return null;
            }
            if (options != null && options.path("include_usage").asBoolean(false)) {
                return null;
            }
            ObjectNode streamOptions = options instanceof ObjectNode o ? o : object.putObject("stream_options");
            streamOptions.put("include_usage", true);
            return json.writeValueAsBytes(object);
        } catch (JacksonException e) {
            return null; // the body was parsed before, so this does not happen; forward it untouched
        }
    }

    /**
     * The most a request was admitted to use: its budgets' reservation, and at least its prompt
     * (estimated as {@link ResponseMeter#CHARS_PER_TOKEN} characters a token) and its output appetite.
     */
    static Usage reservation(Decision decision, InferenceRequest request) {
        TokenOutcome tokens = decision.tokens();
        long input = (request.promptChars() + ResponseMeter.CHARS_PER_TOKEN - 1) / ResponseMeter.CHARS_PER_TOKEN;
        long output = Math.max(0, request.outputAppetite());
        if (tokens != null) {
            input = Math.max(input, tokens.reservedInput());
            output = Math.max(output, tokens.reservedOutput());
        }
        return new Usage(input, output, false);
    }

    private void charge(Decision decision, Usage usage, String route) {
        engine.recordUsage(decision, usage.inputTokens(), usage.outputTokens());
        RouteTokens tokens = counters.computeIfAbsent(route, this::routeTokens);
        (usage.reported() ? tokens.reportedInput() : tokens.estimatedInput()).increment(usage.inputTokens());
        (usage.reported() ? tokens.reportedOutput() : tokens.estimatedOutput()).increment(usage.outputTokens());
    }

    private RouteTokens routeTokens(String route) {
        return new RouteTokens(counter(route, "input", "reported"), counter(route, "output", "reported"),
                counter(route, "input", "estimated"), counter(route, "output", "estimated"));
    }

    private Counter counter(String route, String direction, String source) {
        return Counter.builder("guard.tokens")
                .description("Model tokens served through the guard, from response usage or estimated")
                .tag("route", route)
                .tag("direction", direction)
                .tag("source", source)
                .register(meters);
    }

    private record RouteTokens(Counter reportedInput, Counter reportedOutput, Counter estimatedInput,
                               Counter estimatedOutput) {
    }
}
