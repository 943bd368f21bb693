package io.extractionguard.gateway.filter;

import java.time.Clock;
import java.util.List;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.boundary.Classification;
import io.extractionguard.engine.boundary.Endpoint;
import io.extractionguard.engine.boundary.EndpointCatalog;
import io.extractionguard.engine.boundary.RequestBoundary;
import io.extractionguard.engine.decision.Arrival;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.Intake;
import io.extractionguard.engine.decision.Outcome;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.spi.EvaluatedFiles;
import io.extractionguard.gateway.challenge.ChallengeService;
import io.extractionguard.gateway.degrade.Degrader;
import io.extractionguard.gateway.observe.DecisionRecorder;
import io.extractionguard.gateway.state.OutageGate;
import io.extractionguard.gateway.state.OutageMode;
import io.extractionguard.gateway.state.StoreUnavailableException;
import io.extractionguard.gateway.usage.UsageMetering;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * The {@code ExtractionGuard} route filter. It only orchestrates, top to bottom: classify the
 * path ({@link RequestBoundary}); pass, refuse, or read the body (bounded); hand what arrived to
 * the engine's front door ({@link GuardEngine#admit}); then forward the request (metered, perhaps
 * degraded) or answer the engine's rejection in the upstream API's error format ({@link Answers}).
 * Batch endpoints go to {@link BatchRequests}. Usable per route ({@code - ExtractionGuard} or
 * {@code - name: ExtractionGuard, args: {max-body-size: 2MB, redis-outage: fail-closed}}) and as a
 * default filter.
 *
 * <p>Everything on the request path is CPU work on the event loop: the engine's state and limits
 * answer from memory. Only a challenge answer that needs the shared ledger is finished on a worker.
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

    private final GuardEngine engine;
    private final Intake intake;
    private final Answers answers;
    private final BatchRequests batches;
    private final DecisionRecorder recorder;
    private final UsageMetering usage;
    private final ChallengeService challenges;
    private final OutageGate outageGate;
    private final Degrader degrader;
    private final Clock clock;

    public ExtractionGuardGatewayFilterFactory(GuardEngine engine, tools.jackson.databind.json.JsonMapper json,
                                               DecisionRecorder recorder, UsageMetering usage,
                                               ChallengeService challenges, OutageGate outageGate,
                                               EvaluatedFiles evaluatedFiles, Degrader degrader, Clock clock) {
        super(Config.class);
        this.engine = engine;
        this.intake = engine.intake();
        this.answers = new Answers(new ApiErrors(json), recorder, challenges);
        this.batches = new BatchRequests(engine, evaluatedFiles, answers, recorder, degrader, clock);
        this.recorder = recorder;
        this.usage = usage;
        this.challenges = challenges;
        this.outageGate = outageGate;
        this.degrader = degrader;
        this.clock = clock;
    }

    /** Per-route settings. */
    public static class Config {
        private DataSize maxBodySize = DataSize.ofBytes(Arrival.DEFAULT_MAX_BYTES);
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
                    request.getURI().getRawQuery(), Forwarding.fieldLines(request.getHeaders()));
            String route = routeId(exchange);
            if (classification instanceof Classification.Refused refused) {
                return answers.refused(exchange, route, refused);
            }
            if (classification instanceof Classification.Passed passed) {
                recorder.boundary(route, "passed", passed.endpoint() == null ? "unknown" : passed.endpoint().label());
                boolean trusted = intake.trusts(Forwarding.peerAddress(request));
                return chain.filter(exchange.mutate().request(Forwarding.passed(request, passed.path(), trusted)).build());
            }
            Endpoint endpoint = classification instanceof Classification.Inference inference ? inference.endpoint()
                    : ((Classification.Batch) classification).endpoint();
            String path = classification instanceof Classification.Inference inference ? inference.path()
                    : ((Classification.Batch) classification).path();
            ServerWebExchange onPath = Forwarding.onPath(exchange, path);
            onPath.getAttributes().put(FORMAT_ATTR, endpoint.format());
            if (!outageGate.admit(route, outage)) {
                return answers.unavailable(onPath, endpoint.format());
            }
            return guard(onPath, chain, route, endpoint, maxBytes, outage);
        }, ORDER);
    }

    /** Checks the declared size and content type, reads the body (bounded), and {@link #admit}s it. */
    private Mono<Void> guard(ServerWebExchange exchange, GatewayFilterChain chain, String route, Endpoint endpoint,
                             int maxBytes, OutageMode outage) {
        ServerHttpRequest request = exchange.getRequest();
        ApiFormat format = endpoint.format();
        if (request.getHeaders().getContentLength() > maxBytes) {
            return answers.tooLarge(exchange, route, format, maxBytes);
        }
        String wrongType = wrongContentType(request.getHeaders(), endpoint.kind());
        if (wrongType != null) {
            return answers.unsupportedMediaType(exchange, route, format, "content-type must be "
                    + (endpoint.kind() == Endpoint.Kind.FILE_UPLOAD ? "multipart/form-data" : "application/json (UTF-8)")
                    + ", was " + wrongType);
        }
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .map(DataBuffers::drain)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> admit(exchange, chain, route, endpoint, body, maxBytes, outage))
                .onErrorResume(DataBufferLimitException.class, e -> answers.tooLarge(exchange, route, format, maxBytes));
    }

    /** The content type when it is not what {@code kind} reads (JSON in UTF-8, or a multipart upload), else null. */
    private static String wrongContentType(HttpHeaders headers, Endpoint.Kind kind) {
        try {
            MediaType type = headers.getContentType();
            MediaType expected = kind == Endpoint.Kind.FILE_UPLOAD ? MediaType.MULTIPART_FORM_DATA : MediaType.APPLICATION_JSON;
            return (type == null && kind == Endpoint.Kind.FILE_UPLOAD) ? "none"
                    : type != null && !type.isCompatibleWith(expected) ? type.toString()
                    // the body is read as UTF-8: an upstream that honours another charset would read other text
                    : type != null && type.getParameter("charset") != null
                            && !type.getParameter("charset").replace("\"", "").equalsIgnoreCase("utf-8") ? type.toString()
                    : null;
        } catch (InvalidMediaTypeException e) { // e.g. "application/": answered in the API's format, not a 500
            return "malformed";
        }
    }

    /** Hands what arrived to the engine's front door and acts on its outcome. */
    private Mono<Void> admit(ServerWebExchange exchange, GatewayFilterChain chain, String route, Endpoint endpoint,
                             byte[] received, int maxBytes, OutageMode outage) {
        long started = System.nanoTime();
        recorder.bodyBytes(route, received.length);
        ServerHttpRequest request = exchange.getRequest();
        ApiFormat format = endpoint.format();
        Arrival arrival = new Arrival(format, Forwarding.fieldLines(request.getHeaders()),
                Forwarding.peerAddress(request), received, maxBytes);
        if (endpoint.kind() != Endpoint.Kind.INFERENCE) {
            return batches.handle(exchange, chain, route, endpoint.kind(), arrival, started);
        }
        String solution = request.getHeaders().getFirst(ChallengeService.SOLUTION_HEADER);
        return answer(exchange, chain, route, arrival, engine.admit(arrival, challenges.gate(solution, outage)), started);
    }

    /**
     * Forwards or rejects as the engine's outcome says, recording the decision and writing the limit headers. The
     * outcome's {@link io.extractionguard.engine.decision.Commit} runs once the forwarded request is handed upstream
     * (whatever the upstream or the client does next), and before a rejection is answered.
     */
    private Mono<Void> answer(ServerWebExchange exchange, GatewayFilterChain chain, String route, Arrival arrival,
                              Outcome outcome, long started) {
        return switch (outcome) {
            case Outcome.Forward forward -> {
                long elapsed = System.nanoTime() - started;
                LimitHeaders.write(exchange.getResponse().getHeaders(), arrival.format(), forward.decision(), clock.instant());
                // deferred, so a forwarding that fails as it is built is an error signal, and the commit still runs
                yield sendThen(Mono.defer(() -> forward(exchange, chain, route, arrival, forward)), () -> {
                    forward.commit().run();
                    recorder.decided(route, arrival.format(), forward.request().identity(), forward.decision(), elapsed,
                            traceparent(exchange));
                });
            }
            case Outcome.Reject reject -> {
                reject.commit().run();
                if (reject.decision() != null) {
                    decided(exchange, route, arrival, reject.request(), reject.decision(), started);
                }
                yield answers.reject(exchange, route, arrival.format(), reject);
            }
            // the shared ledger's round trips (redeeming a valid solution, reserving a pass request) block:
            // off the event loop, and only for the requests that need them; committed there, so a client that
            // hangs up meanwhile loses nothing (run again by answer, a commit does nothing)
            case Outcome.NeedsLookup lookup -> Mono.fromCallable(() -> {
                        Outcome done = lookup.complete();
                        done.commit().run();
                        return done;
                    })
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(done -> answer(exchange, chain, route, arrival, done, started))
                    .onErrorResume(StoreUnavailableException.class, e -> answers.unavailable(exchange, arrival.format()));
        };
    }

    private void decided(ServerWebExchange exchange, String route, Arrival arrival, Intake.Accepted request,
                         Decision decision, long started) {
        recorder.decided(route, arrival.format(), request.identity(), decision, System.nanoTime() - started,
                traceparent(exchange));
        LimitHeaders.write(exchange.getResponse().getHeaders(), arrival.format(), decision, clock.instant());
    }

    private static String traceparent(ServerWebExchange exchange) {
        return exchange.getRequest().getHeaders().getFirst("traceparent");
    }

    /**
     * Subscribes to {@code forwarded}, which hands the request to its upstream connection's event loop, and only then
     * runs {@code bookkeeping} on this thread: a forwarded decision's commit, meters, recent-decisions entry and
     * (sampled) line are then off the path to the model API. It runs whatever the forwarding does (fails at once,
     * never ends, is cancelled). Cancelling cancels the forwarding; its end is the returned Mono's.
     */
    private static Mono<Void> sendThen(Mono<Void> forwarded, Runnable bookkeeping) {
        return Mono.create(sink -> {
            sink.onCancel(forwarded.subscribe(null, sink::error, sink::success, Context.of(sink.contextView())));
            bookkeeping.run();
        });
    }

    /**
     * Forwards an admitted request: metered (usage read from the response), degraded in a DEGRADE
     * band (request rewritten, reasoning removed from the response), identity headers removed when
     * not believed.
     */
    private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, String route, Arrival arrival,
                               Outcome.Forward admitted) {
        Decision decision = admitted.decision();
        ApiFormat format = arrival.format();
        byte[] received = arrival.body();
        byte[] body = admitted.request().body();
        exchange.getAttributes().put(DECISION_ATTR, decision);
        boolean strip = !intake.trusts(arrival.peer());
        UsageMetering.Forward forward = usage.prepare(format, admitted.request().request(), body, decision, route);
        boolean degraded = Degrader.degrades(decision);
        byte[] prepared = degraded ? degrader.request(format, decision.degrade(), forward.body(), route) : forward.body();
        // a compressed body is forwarded as received unless it had to be rewritten (then uncompressed)
        boolean rewritten = prepared != body;
        byte[] outgoing = rewritten || body == received ? prepared : received;
        ServerHttpResponse metered = forward.response().apply(exchange.getResponse());
        ServerHttpRequest request = Forwarding.withBody(exchange.getRequest(), outgoing, rewritten, strip);
        return chain.filter(exchange.mutate()
                .request(request)
                .response(degraded ? degrader.response(metered, format, route) : metered)
                .build())
                .doFinally(signal -> forward.settlement().ifNoResponse());
    }

    private static String routeId(ServerWebExchange exchange) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        return route == null ? "unknown" : route.getId();
    }
}
