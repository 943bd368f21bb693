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
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.boundary.Classification;
import io.extractionguard.engine.boundary.Endpoint;
import io.extractionguard.engine.boundary.EvaluatedFiles;
import io.extractionguard.engine.boundary.EndpointCatalog;
import io.extractionguard.engine.boundary.RequestBoundary;
import io.extractionguard.engine.decision.Action;
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
import io.extractionguard.engine.request.BatchParser;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.challenge.ProofOfWork;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.extractionguard.gateway.observe.DecisionRecorder;
import io.extractionguard.gateway.state.OutageGate;
import io.extractionguard.gateway.state.OutageMode;
import io.extractionguard.gateway.state.StoreUnavailableException;
import io.extractionguard.gateway.degrade.Degrader;
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

    /** Exchange attribute holding the {@link ApiFormat} of an evaluated request or batch (for upstream failures). */
    public static final String FORMAT_ATTR = "extractionGuard.format";

    /** Identity and enrichment headers; removed before forwarding when the peer is not trusted. */
    static final List<String> IDENTITY_HEADERS = List.of("x-account-id", "x-org-id", "x-account-tier",
            "x-account-created", "x-payment-fingerprint", "x-client-ja4");

    private final GuardEngine engine;
    private final RequestParser parser;
    private final BatchParser batches;
    private final BatchFiles batchFiles;
    private final EvaluatedFiles evaluatedFiles;
    private final IdentityResolver identities;
    private final ApiErrors errors;
    private final DecisionRecorder recorder;
    private final UsageMetering usage;
    private final ChallengeService challenges;
    private final OutageGate outageGate;
    private final Degrader degrader;
    private final Clock clock;

    public ExtractionGuardGatewayFilterFactory(GuardEngine engine, RequestParser parser, IdentityResolver identities,
                                               tools.jackson.databind.json.JsonMapper json, DecisionRecorder recorder,
                                               UsageMetering usage, ChallengeService challenges, OutageGate outageGate,
                                               EvaluatedFiles evaluatedFiles, Degrader degrader, Clock clock) {
        super(Config.class);
        this.engine = engine;
        this.parser = parser;
        this.batches = new BatchParser(parser);
        this.batchFiles = new BatchFiles(parser.jsonFactory());
        this.evaluatedFiles = evaluatedFiles;
        this.identities = identities;
        this.errors = new ApiErrors(json);
        this.recorder = recorder;
        this.usage = usage;
        this.challenges = challenges;
        this.outageGate = outageGate;
        this.degrader = degrader;
        this.clock = clock;
    }

    /** Per-route settings. */
    public static class Config {
        private DataSize maxBodySize = DataSize.ofMegabytes(1);
        private OutageMode redisOutage = OutageMode.FAIL_OPEN;
        private RequestBoundary.UnknownPaths unknownPaths = RequestBoundary.UnknownPaths.REJECT;
        private List<String> endpoints = List.of();

        /** What the route does with a path its endpoint catalog does not list ({@code reject}: 404). */
        public RequestBoundary.UnknownPaths getUnknownPaths() {
            return unknownPaths;
        }

        public void setUnknownPaths(RequestBoundary.UnknownPaths unknownPaths) {
            this.unknownPaths = unknownPaths;
        }

        /**
         * Endpoints the route serves besides the defaults: {@code "GET /v1/organizations/usage"}
         * (passed) or {@code "POST /v2/chat = openai-chat-completions"} (evaluated). See docs/boundary.md.
         */
        public List<String> getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(List<String> endpoints) {
            this.endpoints = List.copyOf(endpoints);
        }

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
        RequestBoundary boundary = new RequestBoundary(EndpointCatalog.defaults()
                .with(config.getEndpoints().stream().map(EndpointCatalog::parse).toList()), config.getUnknownPaths());
        return new OrderedGatewayFilter((exchange, chain) -> {
            ServerHttpRequest request = exchange.getRequest();
            Classification classification = boundary.classify(request.getMethod().name(), request.getPath().value(),
                    fieldLines(request.getHeaders()));
            String route = routeId(exchange);
            if (classification instanceof Classification.Refused refused) {
                return refuse(exchange, route, refused);
            }
            if (classification instanceof Classification.Passed passed) {
                recorder.boundary(route, "passed", passed.endpoint() == null ? "unknown" : passed.endpoint().label());
                return chain.filter(exchange.mutate().request(forwardPassed(request, passed.path())).build());
            }
            if (classification instanceof Classification.Inference inference) {
                ServerWebExchange onPath = onPath(exchange, inference.path());
                onPath.getAttributes().put(FORMAT_ATTR, inference.format());
                if (!outageGate.admit(route, outage)) {
                    onPath.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
                    return errors.write(onPath, inference.format(), ApiErrors.Kind.UNAVAILABLE,
                            "The service is temporarily unavailable. Please retry shortly.");
                }
                return guard(onPath, chain, inference.format(), maxBytes, outage, Endpoint.Kind.INFERENCE);
            }
            Classification.Batch batch = (Classification.Batch) classification;
            ServerWebExchange onPath = onPath(exchange, batch.path());
            onPath.getAttributes().put(FORMAT_ATTR, batch.endpoint().format());
            if (!outageGate.admit(route, outage)) {
                onPath.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
                return errors.write(onPath, batch.endpoint().format(), ApiErrors.Kind.UNAVAILABLE,
                        "The service is temporarily unavailable. Please retry shortly.");
            }
            return guard(onPath, chain, batch.endpoint().format(), maxBytes, outage, batch.endpoint().kind());
        }, ORDER);
    }

    private Mono<Void> refuse(ServerWebExchange exchange, String route, Classification.Refused refused) {
        recorder.boundary(route, "refused-" + refused.cause().name().toLowerCase(java.util.Locale.ROOT), "");
        ApiErrors.Kind kind = switch (refused.cause()) {
            case UNKNOWN_PATH -> ApiErrors.Kind.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> ApiErrors.Kind.METHOD_NOT_ALLOWED;
            case UNSUPPORTED_ENCODING -> ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE;
            case INVALID_PATH, AMBIGUOUS_HEADER -> ApiErrors.Kind.INVALID_REQUEST;
        };
        return afterBody(exchange, () -> errors.write(exchange, refused.format(), kind, refused.message()));
    }

    /** Answers once the body is read (and dropped): a response sent over an unread body can be lost to a connection reset. */
    private static Mono<Void> afterBody(ServerWebExchange exchange, java.util.function.Supplier<Mono<Void>> answer) {
        return exchange.getRequest().getBody().doOnNext(DataBufferUtils::release).then(Mono.defer(answer));
    }

    /** The exchange with the request on its canonical path (unchanged when it already is). */
    private static ServerWebExchange onPath(ServerWebExchange exchange, String path) {
        ServerHttpRequest request = exchange.getRequest();
        return path.equals(request.getPath().value()) ? exchange
                : exchange.mutate().request(request.mutate().path(path).build()).build();
    }

    /** A passed request on its canonical path, identity headers removed when the peer is not trusted. */
    private ServerHttpRequest forwardPassed(ServerHttpRequest request, String path) {
        boolean strip = !identities.isTrusted(peerAddress(request))
                && IDENTITY_HEADERS.stream().anyMatch(request.getHeaders()::containsHeader);
        if (!strip && path.equals(request.getPath().value())) {
            return request;
        }
        return request.mutate().path(path).headers(h -> {
            if (strip) {
                IDENTITY_HEADERS.forEach(h::remove);
            }
        }).build();
    }

    private Mono<Void> guard(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                             ApiFormat format, int maxBytes, OutageMode outage, Endpoint.Kind kind) {
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
            MediaType expected = kind == Endpoint.Kind.FILE_UPLOAD ? MediaType.MULTIPART_FORM_DATA : MediaType.APPLICATION_JSON;
            wrongType = (type == null && kind == Endpoint.Kind.FILE_UPLOAD) ? "none"
                    : type != null && !type.isCompatibleWith(expected) ? type.toString()
                    // the body is read as UTF-8: an upstream that honours another charset would read other text
                    : type != null && type.getParameter("charset") != null
                            && !type.getParameter("charset").replace("\"", "").equalsIgnoreCase("utf-8") ? type.toString()
                    : null;
        } catch (InvalidMediaTypeException e) { // e.g. "application/": answered in the API's format, not a 500
            wrongType = "malformed";
        }
        if (wrongType != null) {
            recorder.invalid(route, format, ParseError.Kind.INVALID_REQUEST);
            String message = "content-type must be " + (kind == Endpoint.Kind.FILE_UPLOAD ? "multipart/form-data"
                    : "application/json (UTF-8)") + ", was " + wrongType;
            return afterBody(exchange, () -> errors.write(exchange, format, ApiErrors.Kind.UNSUPPORTED_MEDIA_TYPE, message));
        }
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .map(DataBuffers::drain)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> decide(exchange, chain, format, route, body, maxBytes, outage, kind))
                .onErrorResume(DataBufferLimitException.class, e -> {
                    recorder.invalid(route, format, ParseError.Kind.LIMIT_EXCEEDED);
                    return errors.write(exchange, format, ApiErrors.Kind.TOO_LARGE, tooLarge(maxBytes));
                });
    }

    private Mono<Void> decide(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                              ApiFormat format, String route, byte[] received, int maxBytes, OutageMode outage,
                              Endpoint.Kind endpoint) {
        long started = System.nanoTime();
        recorder.bodyBytes(route, received.length);
        // the boundary refused lists, so one line with one value is all that can be here
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
        switch (endpoint) {
            case MESSAGE_BATCH -> {
                return decideBatch(exchange, chain, format, route, received, started,
                        Mono.just(batches.parseMessageBatch(body)), null);
            }
            case FILE_UPLOAD -> {
                return decideFileUpload(exchange, chain, format, route, received, body, maxBytes, started);
            }
            case BATCH_CREATE -> {
                return decideBatchCreate(exchange, chain, format, route, body);
            }
            default -> {
            }
        }
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

        LimitHeaders.write(exchange.getResponse().getHeaders(), format, decision, clock.instant());
        if (decision.action() != Action.ALLOW && decision.action() != Action.SHADOW) {
            return rejected(exchange, format, decision, submission);
        }
        exchange.getAttributes().put(DECISION_ATTR, decision);
        boolean strip = !identities.isTrusted(peer);
        UsageMetering.Forward forward = usage.prepare(format, inference, body, decision, route);
        boolean degraded = Degrader.degrades(decision);
        byte[] prepared = degraded ? degrader.request(format, decision.degrade(), forward.body(), route) : forward.body();
        // a compressed body is forwarded as received unless it had to be rewritten (then uncompressed)
        boolean rewritten = prepared != body;
        byte[] outgoing = rewritten || body == received ? prepared : received;
        ServerHttpResponse metered = forward.response().apply(exchange.getResponse());
        ServerHttpRequest replayed = replay(request, outgoing, rewritten, strip);
        return chain.filter(exchange.mutate()
                // a degraded answer is asked for uncompressed (no Accept-Encoding would allow any coding)
                .request(degraded ? replayed.mutate().headers(h -> h.set(HttpHeaders.ACCEPT_ENCODING,
                        Degrader.ACCEPT_IDENTITY)).build() : replayed)
                .response(degraded ? degrader.response(metered, format, route) : metered)
                .build())
                .doFinally(signal -> forward.settlement().ifNoResponse());
    }

    /**
     * A batch (Anthropic Message Batches, an OpenAI batch file): every item parsed as a request of
     * its endpoint and the batch decided as a whole by the engine, counting as one request per item.
     * Forwarded as received; its usage arrives with the results, not through this call, so the items'
     * token reservation (their bounds) stays charged.
     *
     * @param onFileId for an OpenAI upload: records the evaluated file under the id the upstream gives it
     */
    private Mono<Void> decideBatch(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                                   ApiFormat format, String route, byte[] received, long started,
                                   Mono<BatchParser.Result> items, java.util.function.BiFunction<ClientIdentity,
                                           BatchParser.Result.Parsed, java.util.function.Consumer<String>> onFileId) {
        ServerHttpRequest request = exchange.getRequest();
        String peer = peerAddress(request);
        ClientIdentity identity = identities.resolve(fieldLines(request.getHeaders()), peer);
        if (!engine.batchesAllowed(identity)) {
            return batchesRefused(exchange, format, route);
        }
        return items.flatMap(parsed -> {
            if (parsed instanceof BatchParser.Result.Failed failed) {
                recorder.invalid(route, format, failed.error().kind());
                ApiErrors.Kind kind = failed.error().kind() == ParseError.Kind.LIMIT_EXCEEDED
                        ? ApiErrors.Kind.TOO_LARGE : ApiErrors.Kind.INVALID_REQUEST;
                return errors.write(exchange, format, kind, failed.error().message());
            }
            BatchParser.Result.Parsed batch = (BatchParser.Result.Parsed) parsed;
            Decision decision = engine.evaluateBatch(identity, batch.items());
            recorder.decided(route, format, identity, decision, System.nanoTime() - started,
                    request.getHeaders().getFirst("traceparent"));
            LimitHeaders.write(exchange.getResponse().getHeaders(), format, decision, clock.instant());
            if (decision.reasons().contains(GuardEngine.BATCH_TOO_LARGE) && decision.action() == Action.THROTTLE) {
                return errors.write(exchange, format, ApiErrors.Kind.RATE_LIMITED, "A batch of " + batch.items().size()
                        + " requests is more than this account's request limit admits at once; split it into smaller batches.");
            }
            if (decision.action() != Action.ALLOW && decision.action() != Action.SHADOW) {
                return rejected(exchange, format, decision, null);
            }
            exchange.getAttributes().put(DECISION_ATTR, decision);
            ServerWebExchange.Builder forward = exchange.mutate()
                    .request(replay(request, received, false, !identities.isTrusted(peer)));
            if (onFileId != null) {
                forward.response(batchFiles.capturingFileId(exchange.getResponse(), onFileId.apply(identity, batch)));
            }
            return chain.filter(forward.build());
        });
    }

    /**
     * OpenAI {@code POST /v1/files}: a {@code purpose=batch} file is read line by line and decided
     * as a batch; the id the upstream gives it is recorded as evaluated for the account. Files for
     * other purposes generate nothing and are passed.
     */
    private Mono<Void> decideFileUpload(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                                        ApiFormat format, String route, byte[] received, byte[] body, int maxBytes,
                                        long started) {
        return batchFiles.readUpload(exchange.getRequest().getHeaders(), body, maxBytes).flatMap(upload -> {
            if (upload.problem() != null) {
                recorder.invalid(route, format, ParseError.Kind.INVALID_REQUEST);
                return errors.write(exchange, format, ApiErrors.Kind.INVALID_REQUEST, upload.problem());
            }
            if (!upload.purpose().equals("batch")) {
                recorder.boundary(route, "passed", "POST /v1/files purpose=" + (PURPOSES.contains(upload.purpose())
                        ? upload.purpose() : "other"));
                ServerHttpRequest request = exchange.getRequest();
                return chain.filter(exchange.mutate()
                        .request(replay(request, received, false, !identities.isTrusted(peerAddress(request))))
                        .build());
            }
            return decideBatch(exchange, chain, format, route, received, started,
                    Mono.just(batches.parseOpenAiBatchFile(upload.file())),
                    (identity, batch) -> fileId -> evaluatedFiles.record(fileId, new EvaluatedFiles.EvaluatedFile(
                            identity.accountId(), batch.endpoint(), batch.items().size(), clock.millis())));
        });
    }

    /** A tier whose policy says {@code batches: refuse}. */
    private Mono<Void> batchesRefused(ServerWebExchange exchange, ApiFormat format, String route) {
        recorder.boundary(route, "refused-batches_not_allowed", "");
        return errors.write(exchange, format, ApiErrors.Kind.BLOCKED,
                "Batch processing is not enabled for this account. Send the requests one at a time.");
    }

    /** File purposes OpenAI documents, for metric labels (anything else is "other"). */
    private static final java.util.Set<String> PURPOSES = java.util.Set.of("assistants", "vision", "user_data",
            "fine-tune", "evals");

    /**
     * OpenAI {@code POST /v1/batches}: allowed only from a file this gateway evaluated for the same
     * account (its items were scored and charged at upload).
     */
    private Mono<Void> decideBatchCreate(ServerWebExchange exchange, org.springframework.cloud.gateway.filter.GatewayFilterChain chain,
                                         ApiFormat format, String route, byte[] body) {
        ServerHttpRequest request = exchange.getRequest();
        String peer = peerAddress(request);
        ClientIdentity identity = identities.resolve(fieldLines(request.getHeaders()), peer);
        if (!engine.batchesAllowed(identity)) {
            return batchesRefused(exchange, format, route);
        }
        String fileId = batchFiles.inputFileId(body);
        if (fileId == null) {
            recorder.invalid(route, format, ParseError.Kind.INVALID_REQUEST);
            return errors.write(exchange, format, ApiErrors.Kind.INVALID_REQUEST,
                    "input_file_id: required, in a JSON object with each key once");
        }
        return Mono.fromCompletionStage(evaluatedFiles.find(fileId)).flatMap(found -> {
            if (found.isEmpty() || !found.get().accountId().equals(identity.accountId())) {
                recorder.boundary(route, "refused-unevaluated_file", "");
                return errors.write(exchange, format, ApiErrors.Kind.NOT_FOUND, "input_file_id: no batch file "
                        + "uploaded through this gateway by this account has this id; upload it here first");
            }
            recorder.boundary(route, "passed", "POST /v1/batches evaluated-file");
            return chain.filter(exchange.mutate()
                    .request(replay(request, body, false, !identities.isTrusted(peer)))
                    .build());
        });
    }

    /** Answers a THROTTLE, CHALLENGE or BLOCK in the API's error format. */
    private Mono<Void> rejected(ServerWebExchange exchange, ApiFormat format, Decision decision,
                                ChallengeService.Submission submission) {
        HttpHeaders responseHeaders = exchange.getResponse().getHeaders();
        return switch (decision.action()) {
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
            case ALLOW, SHADOW -> throw new IllegalStateException("not a rejection: " + decision.action());
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
