package io.extractionguard.gateway.filter;

import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.boundary.Classification;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.Outcome;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.extractionguard.gateway.observe.DecisionRecorder;
import reactor.core.publisher.Mono;

/** The filter's error answers, each in the upstream API's error format, one per cause. */
final class Answers {

    private final ApiErrors errors;
    private final DecisionRecorder recorder;
    private final ChallengeService challenges;

    Answers(ApiErrors errors, DecisionRecorder recorder, ChallengeService challenges) {
        this.errors = errors;
        this.recorder = recorder;
        this.challenges = challenges;
    }

    /** A path, method or header the boundary refuses. */
    Mono<Void> refused(ServerWebExchange exchange, String route, Classification.Refused refused) {
        recorder.boundary(route, "refused-" + refused.cause().name().toLowerCase(Locale.ROOT), "");
        ApiErrors.Kind kind = switch (refused.cause()) {
            case UNKNOWN_PATH -> ApiErrors.Kind.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> ApiErrors.Kind.METHOD_NOT_ALLOWED;
            case UNSUPPORTED_ENCODING -> ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE;
            case INVALID_PATH, AMBIGUOUS_HEADER -> ApiErrors.Kind.INVALID_REQUEST;
            case AMBIGUOUS_CREDENTIAL -> ApiErrors.Kind.UNAUTHENTICATED;
        };
        return afterBody(exchange, () -> errors.write(exchange, refused.format(), kind, refused.message()));
    }

    /** The engine's rejection of a request. */
    Mono<Void> reject(ServerWebExchange exchange, String route, ApiFormat format, Outcome.Reject reject) {
        return switch (reject.cause()) {
            case TOO_LARGE, UNSUPPORTED_ENCODING, INVALID_REQUEST -> invalid(exchange, route, format, reject);
            case MALFORMED_SOLUTION -> errors.write(exchange, format, ApiErrors.Kind.INVALID_REQUEST,
                    ChallengeService.SOLUTION_HEADER + ": must be <challenge>:<counter>, the challenge as received in "
                            + ChallengeService.CHALLENGE_HEADER);
            case RATE_LIMITED, TOKENS_EXHAUSTED, BATCH_TOO_LARGE, CHALLENGED, BLOCKED ->
                    rejected(exchange, format, reject.decision(), reject.solution().refusal());
        };
    }

    /** A body that could not be read (decoded, parsed). */
    Mono<Void> invalid(ServerWebExchange exchange, String route, ApiFormat format, Outcome.Reject reject) {
        recorder.invalid(route, format, reject.invalid().kind());
        ApiErrors.Kind kind = switch (reject.cause()) {
            case TOO_LARGE -> ApiErrors.Kind.TOO_LARGE;
            case UNSUPPORTED_ENCODING -> ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE;
            default -> ApiErrors.Kind.INVALID_REQUEST;
        };
        return errors.write(exchange, format, kind, reject.invalid().message());
    }

    /**
     * A THROTTLE, CHALLENGE or BLOCK decision.
     *
     * @param solutionRefused why the request's challenge solution was refused, or null
     */
    Mono<Void> rejected(ServerWebExchange exchange, ApiFormat format, Decision decision, String solutionRefused) {
        HttpHeaders responseHeaders = exchange.getResponse().getHeaders();
        return switch (Outcome.Cause.of(decision)) {
            case RATE_LIMITED, TOKENS_EXHAUSTED, BATCH_TOO_LARGE -> {
                long retry = decision.retryAfterSeconds();
                responseHeaders.set(HttpHeaders.RETRY_AFTER, Long.toString(retry));
                boolean tokens = decision.throttle() == Decision.Throttle.TOKEN_BUDGET;
                yield errors.write(exchange, format, tokens ? ApiErrors.Kind.TOKENS_EXHAUSTED : ApiErrors.Kind.RATE_LIMITED,
                        (tokens ? "Token budget exhausted for this account" : "Rate limit exceeded for this account")
                                + ". Retry after " + retry + " seconds.");
            }
            case CHALLENGED -> errors.write(exchange, format, ApiErrors.Kind.CHALLENGE,
                    challenges.issue(decision, responseHeaders, solutionRefused));
            case BLOCKED -> errors.write(exchange, format, ApiErrors.Kind.BLOCKED,
                    "This account is not permitted to use this API. If you believe this is a mistake, contact support.");
            case TOO_LARGE, UNSUPPORTED_ENCODING, INVALID_REQUEST, MALFORMED_SOLUTION ->
                    throw new IllegalStateException("not a decision's cause: " + decision);
        };
    }

    /** A body over the route's cap, known before it is decoded (declared, or more bytes than the cap arrived). */
    Mono<Void> tooLarge(ServerWebExchange exchange, String route, ApiFormat format, int maxBytes) {
        recorder.invalid(route, format, ParseError.Kind.LIMIT_EXCEEDED);
        return errors.write(exchange, format, ApiErrors.Kind.TOO_LARGE,
                "request body is larger than the " + maxBytes + "-byte limit of this endpoint");
    }

    /** A wrong content type (answered once the body is read). */
    Mono<Void> unsupportedMediaType(ServerWebExchange exchange, String route, ApiFormat format, String message) {
        recorder.invalid(route, format, ParseError.Kind.INVALID_REQUEST);
        return afterBody(exchange, () -> errors.write(exchange, format, ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE, message));
    }

    /** The shared state store is out and the route fails closed, or its answer was needed and did not come. */
    Mono<Void> unavailable(ServerWebExchange exchange, ApiFormat format) {
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
        return errors.write(exchange, format, ApiErrors.Kind.UNAVAILABLE,
                "The service is temporarily unavailable. Please retry shortly.");
    }

    /** A request refused for this account (and kind of endpoint), with a message naming what to do instead. */
    Mono<Void> refusedFor(ServerWebExchange exchange, String route, ApiFormat format, String outcome, ApiErrors.Kind kind,
                          String message) {
        recorder.boundary(route, outcome, "");
        return errors.write(exchange, format, kind, message);
    }

    /** A batch larger than the account's request limit admits at once. */
    Mono<Void> batchTooLarge(ServerWebExchange exchange, ApiFormat format, int items) {
        return errors.write(exchange, format, ApiErrors.Kind.RATE_LIMITED, "A batch of " + items
                + " requests is more than this account's request limit admits at once; split it into smaller batches.");
    }

    /** An invalid request found by the filter itself (a batch's form), counted as such. */
    Mono<Void> invalidRequest(ServerWebExchange exchange, String route, ApiFormat format, ParseError.Kind kind,
                              String message) {
        recorder.invalid(route, format, kind);
        return errors.write(exchange, format, kind == ParseError.Kind.LIMIT_EXCEEDED ? ApiErrors.Kind.TOO_LARGE
                : ApiErrors.Kind.INVALID_REQUEST, message);
    }

    /** Answers once the body is read (and dropped): a response sent over an unread body can be lost to a connection reset. */
    private static Mono<Void> afterBody(ServerWebExchange exchange, java.util.function.Supplier<Mono<Void>> answer) {
        return exchange.getRequest().getBody().doOnNext(org.springframework.core.io.buffer.DataBufferUtils::release)
                .then(Mono.defer(answer));
    }
}
