package io.extractionguard.gateway.filter;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.HeaderSource;
import io.extractionguard.engine.identity.IdentityResolver;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ContentDecoding;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.challenge.ProofOfWork;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.extractionguard.gateway.observe.DecisionRecorder;
import io.extractionguard.gateway.state.OutageGate;
import io.extractionguard.gateway.state.OutageMode;
import io.extractionguard.gateway.state.StoreUnavailableException;
import io.extractionguard.gateway.usage.UsageMetering;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code ExtractionGuard} route filter. It only orchestrates: read the body (bounded), parse
 * it, resolve the caller, ask the engine, then forward the request untouched or answer in the
 * upstream API's error format. Usable per route ({@code - ExtractionGuard} or
 * {@code - name: ExtractionGuard, args: {max-body-size: 2MB, redis-outage: fail-closed}}) and as a default filter.
 *
 * <p>Everything on the request path is CPU work on the event loop: the engine's state and limits
 * answer from memory.
 */
@Component
public class ExtractionGuardGatewayFilterFactory
        extends AbstractGatewayFilterFactory<ExtractionGuardGatewayFilterFactory.Config> {

    /** Runs before the other route filters, so nothing is done for a request the guard rejects. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    /** Exchange attribute holding the {@link Decision} of a forwarded request. */
    public static final String DECISION_ATTR = "extractionGuard.decision";

    /** Identity and enrichment headers; removed before forwarding when the peer is not trusted. */
    static final List<String> IDENTITY_HEADERS = List.of("x-account-id", "x-org-id", "x-account-tier",
            "x-account-created", "x-payment-fingerprint", "x-client-ja4");

    private final GuardEngine engine;
    private final RequestParser parser;
    private final IdentityResolver identities;
    private final ApiErrors errors;
    private final DecisionRecorder recorder;
    private final UsageMetering usage;
    private final ChallengeService challenges;
    private final OutageGate outageGate;
    private final Clock clock;

    public ExtractionGuardGatewayFilterFactory(GuardEngine engine, RequestParser parser, IdentityResolver identities,
                                               tools.jackson.databind.json.JsonMapper json, DecisionRecorder recorder,
                                               UsageMetering usage, ChallengeService challenges, OutageGate outageGate,
                                               Clock clock) {
        super(Config.class);
        this.engine = engine;
        this.parser = parser;
        this.identities = identities;
        this.errors = new ApiErrors(json);
        this.recorder = recorder;
        this.usage = usage;
        this.challenges = challenges;
        this.outageGate = outageGate;
        this.clock = clock;
    }

    /** Per-route settings. */
    public static class Config {
        private DataSize maxBodySize = DataSize.ofMegabytes(1);
        private OutageMode redisOutage = OutageMode.FAIL_OPEN;

        /** What the route does while the shared state store (Redis) is unreachable. */
        public OutageMode getRedisOutage() {
            return redisOutage;
        }

        public void setRedisOutage(OutageMode redisOutage) {
            this.redisOutage = redisOutage;
        }

        public DataSize getMaxBodySize() {
            return maxBodySize;
        }

        public void setMaxBodySize(DataSize maxBodySize) {
            this.maxBodySize = maxBodySize;
        }
    }

    @Override
    public GatewayFilter apply(Config config) {
        long max = config.getMaxBodySize().toBytes();
        if (max <= 0 || max > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ExtractionGuard max-body-size must be between 1 byte and 2 GiB, was "
                    + config.getMaxBodySize());
        }
        int maxBytes = (int) max;
        OutageMode outage = config.getRedisOutage();
        return new OrderedGatewayFilter((exchange, chain) -> {
            ServerHttpRequest request = exchange.getRequest();
            Optional<ApiFormat> format = HttpMethod.POST.equals(request.getMethod())
                    ? ApiFormat.forPath(request.getPath().value()) : Optional.empty();
            if (format.isEmpty()) {
                return chain.filter(exchange); // not an inference call: nothing to guard
            }
            if (!outageGate.admit(routeId(exchange), outage)) {
                exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
                return errors.write(exchange, format.get(), ApiErrors.Kind.UNAVAILABLE,
                        "The service is temporarily unavailable. Please retry shortly.");
            }
            return guard(exchange, chain, format.get(), maxBytes, outage);
        }, ORDER);
    }

    private Mono<Void> guard(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                             ApiFormat format, int maxBytes, OutageMode outage) {
        ServerHttpRequest request = exchange.getRequest();
        String route = routeId(exchange);
        long declared = request.getHeaders().getContentLength();
        if (declared > maxBytes) {
            recorder.invalid(route, format, ParseError.Kind.LIMIT_EXCEEDED);
            return errors.write(exchange, format, ApiErrors.Kind.TOO_LARGE, tooLarge(maxBytes));
        }
        String wrongType;
        try {
            MediaType type = request.getHeaders().getContentType();
            wrongType = type != null && !type.isCompatibleWith(MediaType.APPLICATION_JSON) ? type.toString() : null;
        } catch (InvalidMediaTypeException e) { // e.g. "application/": answered in the API's format, not a 500
            wrongType = "malformed";
        }
        if (wrongType != null) {
            recorder.invalid(route, format, ParseError.Kind.INVALID_REQUEST);
            return errors.write(exchange, format, ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE,
                    "content-type must be application/json, was " + wrongType);
        }
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .map(DataBuffers::drain)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> decide(exchange, chain, format, route, body, maxBytes, outage))
                .onErrorResume(DataBufferLimitException.class, e -> {
                    recorder.invalid(route, format, ParseError.Kind.LIMIT_EXCEEDED);
                    return errors.write(exchange, format, ApiErrors.Kind.TOO_LARGE, tooLarge(maxBytes));
                });
    }

    private Mono<Void> decide(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                              ApiFormat format, String route, byte[] received, int maxBytes, OutageMode outage) {
        long started = System.nanoTime();
        recorder.bodyBytes(route, received.length);
        String encoding = exchange.getRequest().getHeaders().getFirst(HttpHeaders.CONTENT_ENCODING);
        ContentDecoding.Result decoded = ContentDecoding.decode(encoding, received, maxBytes);
        if (!decoded.ok()) {
            recorder.invalid(route, format, decoded.error().kind());
            ApiErrors.Kind kind = switch (decoded.error().kind()) {
                case LIMIT_EXCEEDED -> ApiErrors.Kind.TOO_LARGE;
                case UNKNOWN_FORMAT -> ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE;
                default -> ApiErrors.Kind.INVALID_REQUEST;
            };
            return errors.write(exchange, format, kind, decoded.error().message());
        }
        byte[] body = decoded.body();
        ParseResult parsed = parser.parse(format, body);
        if (parsed instanceof ParseResult.Failed failed) {
            recorder.invalid(route, format, failed.error().kind());
            ApiErrors.Kind kind = failed.error().kind() == ParseError.Kind.LIMIT_EXCEEDED
                    ? ApiErrors.Kind.TOO_LARGE : ApiErrors.Kind.INVALID_REQUEST;
            return errors.write(exchange, format, kind, failed.error().message());
        }
        ServerHttpRequest request = exchange.getRequest();
        String peer = peerAddress(request);
        ClientIdentity identity = identities.resolve(fieldLines(request.getHeaders()), peer);
        String solution = request.getHeaders().getFirst(ChallengeService.SOLUTION_HEADER);
        InferenceRequest inference = ((ParseResult.Parsed) parsed).request();
        ChallengeService.Prepared challenge = challenges.prepare(solution, identity.accountId());
        if (challenge.needsWorker()) {
            // the shared ledger's round trips (redeeming a valid solution, reserving a pass request) block:
            // off the event loop, and only for the requests that need them
            return Mono.fromCallable(() -> Optional.ofNullable(challenges.completeShared(challenge, identity.accountId(),
                            outage)))
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(submission -> decided(exchange, chain, format, route, received, body, peer, identity,
                            inference, submission.orElse(null), started))
                    .onErrorResume(StoreUnavailableException.class, e -> {
                        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
                        return errors.write(exchange, format, ApiErrors.Kind.UNAVAILABLE,
                                "The service is temporarily unavailable. Please retry shortly.");
                    });
        }
        return decided(exchange, chain, format, route, received, body, peer, identity, inference, challenge.submission(),
                started);
    }

    private Mono<Void> decided(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                               ApiFormat format, String route, byte[] received, byte[] body, String peer,
                               ClientIdentity identity, InferenceRequest inference, ChallengeService.Submission submission,
                               long started) {
        ServerHttpRequest request = exchange.getRequest();
        if (submission != null && submission.verdict() == ProofOfWork.Verdict.MALFORMED) {
            return errors.write(exchange, format, ApiErrors.Kind.INVALID_REQUEST, ChallengeService.SOLUTION_HEADER
                    + ": must be <challenge>:<counter>, the challenge as received in " + ChallengeService.CHALLENGE_HEADER);
        }
        Decision decision = engine.evaluate(new GuardRequest(identity, inference));
        recorder.decided(route, format, identity, decision, System.nanoTime() - started,
                request.getHeaders().getFirst("traceparent"));

        HttpHeaders responseHeaders = exchange.getResponse().getHeaders();
        LimitHeaders.write(responseHeaders, format, decision, clock.instant());
        return switch (decision.action()) {
            case ALLOW, SHADOW -> {
                exchange.getAttributes().put(DECISION_ATTR, decision);
                boolean strip = !identities.isTrusted(peer);
                UsageMetering.Forward forward = usage.prepare(format, inference, body, decision, route);
                // a compressed body is forwarded as received unless it had to be rewritten (then uncompressed)
                boolean rewritten = forward.bodyChanged(body);
                byte[] outgoing = rewritten || body == received ? forward.body() : received;
                yield chain.filter(exchange.mutate()
                        .request(replay(request, outgoing, rewritten, strip))
                        .response(forward.response().apply(exchange.getResponse()))
                        .build())
                        .doFinally(signal -> forward.settlement().ifNoResponse());
            }
            case THROTTLE -> {
                long retry = decision.retryAfterSeconds();
                responseHeaders.set(HttpHeaders.RETRY_AFTER, Long.toString(retry));
                boolean tokens = decision.limit() == null && decision.tokens() != null && !decision.tokens().allowed();
                yield errors.write(exchange, format, tokens ? ApiErrors.Kind.TOKENS_EXHAUSTED : ApiErrors.Kind.RATE_LIMITED,
                        (tokens ? "Token budget exhausted for this account" : "Rate limit exceeded for this account")
                                + ". Retry after " + retry + " seconds.");
            }
            case CHALLENGE -> errors.write(exchange, format, ApiErrors.Kind.CHALLENGE,
                    challenges.issue(decision, responseHeaders,
                            submission == null || submission.accepted() ? null : rejection(submission.verdict())));
            case BLOCK -> errors.write(exchange, format, ApiErrors.Kind.BLOCKED,
                    "This account is not permitted to use this API. If you believe this is a mistake, contact support.");
        };
    }

    private static String rejection(ProofOfWork.Verdict verdict) {
        return switch (verdict) {
            case FORGED -> "its signature does not verify";
            case EXPIRED -> "the challenge has expired";
            case WRONG_ACCOUNT -> "it was issued to another account";
            case WRONG_SOLUTION -> "the counter does not meet the difficulty";
            case REPLAYED -> "it was already used";
            case ACCEPTED, MALFORMED -> verdict.name().toLowerCase();
        };
    }

    /**
     * The request to forward: same headers (identity headers removed for untrusted peers, the
     * length updated when the body was rewritten), the body read.
     */
    private static ServerHttpRequest replay(ServerHttpRequest request, byte[] body, boolean rewritten,
                                            boolean stripIdentity) {
        boolean solution = request.getHeaders().containsHeader(ChallengeService.SOLUTION_HEADER);
        ServerHttpRequest base = stripIdentity || rewritten || solution
                ? request.mutate().headers(h -> {
                    if (stripIdentity) {
                        IDENTITY_HEADERS.forEach(h::remove);
                    }
                    h.remove(ChallengeService.SOLUTION_HEADER); // the guard's own protocol, not the model's
                    if (rewritten) {
                        h.remove(HttpHeaders.CONTENT_ENCODING); // the rewritten body is sent uncompressed
                        if (h.getContentLength() >= 0) {
                            h.setContentLength(body.length);
                        }
                    }
                }).build()
                : request;
        return new ServerHttpRequestDecorator(base) {
            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(org.springframework.core.io.buffer.DefaultDataBufferFactory
                        .sharedInstance.wrap(body)));
            }
        };
    }

    /**
     * Header values as the identity resolver reads them: repeated field lines joined with commas
     * (RFC 9110 section 5.3), so a client's own {@code x-forwarded-for} line cannot shadow the one
     * its proxy added, and two values of an identity header make it invalid rather than first-wins.
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

    private static String peerAddress(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null) {
            return "";
        }
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }

    private static String routeId(ServerWebExchange exchange) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        return route == null ? "unknown" : route.getId();
    }

    private static String tooLarge(int maxBytes) {
        return "request body is larger than the " + maxBytes + "-byte limit of this endpoint";
    }
}
