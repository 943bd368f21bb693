package io.extractionguard.gateway.filter;

import java.time.Clock;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.boundary.Endpoint;
import io.extractionguard.engine.decision.Arrival;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.Intake;
import io.extractionguard.engine.decision.Outcome;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.request.BatchParser;
import io.extractionguard.engine.request.ContentDecoding;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.spi.EvaluatedFiles;
import io.extractionguard.gateway.degrade.Degrader;
import io.extractionguard.gateway.observe.DecisionRecorder;
import reactor.core.publisher.Mono;

/**
 * Batch endpoints (Anthropic Message Batches, OpenAI batch files and batches): every item parsed
 * as a request of its endpoint and the batch decided as a whole by the engine, counting as one
 * request per item. Forwarded as received; their usage arrives with the results, not through
 * this call, so the items' token reservation (their bounds) stays charged.
 */
final class BatchRequests {

    /** File purposes OpenAI documents, for metric labels (anything else is "other"). */
    private static final Set<String> PURPOSES = Set.of("assistants", "vision", "user_data", "fine-tune", "evals");

    private final GuardEngine engine;
    private final Intake intake;
    private final BatchParser batches;
    private final BatchFiles batchFiles;
    private final EvaluatedFiles evaluatedFiles;
    private final Answers answers;
    private final DecisionRecorder recorder;
    private final Degrader degrader;
    private final Clock clock;

    BatchRequests(GuardEngine engine, EvaluatedFiles evaluatedFiles, Answers answers, DecisionRecorder recorder,
                  Degrader degrader, Clock clock) {
        this.engine = engine;
        this.intake = engine.intake();
        this.batches = new BatchParser(intake.parser());
        this.batchFiles = new BatchFiles(intake.parser().jsonFactory());
        this.evaluatedFiles = evaluatedFiles;
        this.answers = answers;
        this.recorder = recorder;
        this.degrader = degrader;
        this.clock = clock;
    }

    /** A request to a batch endpoint of {@code kind}, its body read ({@code arrival}). */
    Mono<Void> handle(ServerWebExchange exchange, GatewayFilterChain chain, String route, Endpoint.Kind kind,
                      Arrival arrival, long started) {
        ContentDecoding.Result decoded = intake.decode(arrival);
        if (!decoded.ok()) {
            return answers.invalid(exchange, route, arrival.format(), Outcome.invalid(decoded.error()));
        }
        return switch (kind) {
            case MESSAGE_BATCH -> decide(exchange, chain, route, arrival, started, decoded.body(),
                    Mono.just(batches.parseMessageBatch(decoded.body())), null);
            case FILE_UPLOAD -> fileUpload(exchange, chain, route, arrival, decoded.body(), started);
            case BATCH_CREATE -> batchCreate(exchange, chain, route, arrival, decoded.body(), started);
            case INFERENCE, PASS -> throw new IllegalArgumentException("not a batch endpoint: " + kind);
        };
    }

    /**
     * A batch decided as a whole.
     *
     * @param onFileId for an OpenAI upload: records the evaluated file under the id the upstream gives it
     */
    private Mono<Void> decide(ServerWebExchange exchange, GatewayFilterChain chain, String route, Arrival arrival,
                              long started, byte[] decoded, Mono<BatchParser.Result> items,
                              BiFunction<ClientIdentity, BatchParser.Result.Parsed, Consumer<String>> onFileId) {
        ClientIdentity identity = intake.identify(arrival.headers(), arrival.peer());
        if (!engine.batchesAllowed(identity)) {
            return batchesRefused(exchange, route, arrival);
        }
        ServerHttpRequest request = exchange.getRequest();
        return items.flatMap(parsed -> {
            if (parsed instanceof BatchParser.Result.Failed failed) {
                return answers.invalidRequest(exchange, route, arrival.format(), failed.error().kind(),
                        failed.error().message());
            }
            BatchParser.Result.Parsed batch = (BatchParser.Result.Parsed) parsed;
            Decision decision = engine.evaluateBatch(identity, batch.items());
            Mono<Void> rejected = recorded(exchange, route, arrival, identity, decision, batch.items().size(), started);
            if (rejected != null) {
                return rejected;
            }
            byte[] body = arrival.body();
            if (Degrader.degrades(decision)) {
                // a Message Batch runs as it is created: its items are degraded. A batch file runs when a later
                // start says so, and is stored upstream as sent: it is refused (its lines could not be degraded
                // at the start that matters), as is a start under a degrading decision (batchCreate)
                byte[] degraded = onFileId == null ? degrader.messageBatch(decision.degrade(), decoded, route) : null;
                if (degraded == null) {
                    engine.release(decision);
                    return degradedBatchRefused(exchange, route, arrival);
                }
                body = degraded == decoded ? body : degraded;
            }
            exchange.getAttributes().put(ExtractionGuardGatewayFilterFactory.DECISION_ATTR, decision);
            ServerWebExchange.Builder forward = exchange.mutate()
                    .request(Forwarding.withBody(request, body, body != arrival.body(), !intake.trusts(arrival.peer())));
            if (onFileId != null) {
                forward.response(batchFiles.capturingFileId(exchange.getResponse(), onFileId.apply(identity, batch)));
            }
            return chain.filter(forward.build());
        });
    }

    /**
     * Records a batch's decision and writes its limit headers; the answer when the decision rejects the
     * batch, else null.
     */
    private Mono<Void> recorded(ServerWebExchange exchange, String route, Arrival arrival, ClientIdentity identity,
                                Decision decision, int items, long started) {
        recorder.decided(route, arrival.format(), identity, decision, System.nanoTime() - started,
                exchange.getRequest().getHeaders().getFirst("traceparent"));
        LimitHeaders.write(exchange.getResponse().getHeaders(), arrival.format(), decision, clock.instant());
        if (decision.throttle() == Decision.Throttle.BATCH_TOO_LARGE && decision.action() == Action.THROTTLE) {
            return answers.batchTooLarge(exchange, arrival.format(), items);
        }
        return decision.action().forwards() ? null : answers.rejected(exchange, arrival.format(), decision, null);
    }

    /**
     * OpenAI {@code POST /v1/files}: a {@code purpose=batch} file is read line by line and decided
     * as a batch; the id the upstream gives it is recorded as evaluated for the account. Files for
     * other purposes generate nothing and are passed.
     */
    private Mono<Void> fileUpload(ServerWebExchange exchange, GatewayFilterChain chain, String route, Arrival arrival,
                                  byte[] body, long started) {
        return batchFiles.readUpload(exchange.getRequest().getHeaders(), body, arrival.maxBytes()).flatMap(upload -> {
            if (upload.problem() != null) {
                return answers.invalidRequest(exchange, route, arrival.format(), ParseError.Kind.INVALID_REQUEST,
                        upload.problem());
            }
            if (!upload.purpose().equals("batch")) {
                recorder.boundary(route, "passed", "POST /v1/files purpose=" + (PURPOSES.contains(upload.purpose())
                        ? upload.purpose() : "other"));
                return chain.filter(exchange.mutate().request(Forwarding.withBody(exchange.getRequest(), arrival.body(),
                        false, !intake.trusts(arrival.peer()))).build());
            }
            return decide(exchange, chain, route, arrival, started, null, Mono.just(batches.parseOpenAiBatchFile(upload.file())),
                    (identity, batch) -> fileId -> evaluatedFiles.record(fileId, new EvaluatedFiles.EvaluatedFile(
                            identity.accountId(), batch.endpoint(), batch.items().size(), clock.millis())));
        });
    }

    /**
     * OpenAI {@code POST /v1/batches}: allowed only from a file this gateway evaluated for the same
     * account (its items were scored and charged at upload), and each start is a decision of its own
     * ({@link GuardEngine#evaluateBatchStart}): the account's standing now, the file's items charged
     * again. A second start of the same file is another run of its items, decided and charged like the
     * first (a start the upstream refused can be retried; a re-run costs what a re-upload would).
     */
    private Mono<Void> batchCreate(ServerWebExchange exchange, GatewayFilterChain chain, String route, Arrival arrival,
                                   byte[] body, long started) {
        ClientIdentity identity = intake.identify(arrival.headers(), arrival.peer());
        if (!engine.batchesAllowed(identity)) {
            return batchesRefused(exchange, route, arrival);
        }
        String fileId = batchFiles.inputFileId(body);
        if (fileId == null) {
            return answers.invalidRequest(exchange, route, arrival.format(), ParseError.Kind.INVALID_REQUEST,
                    "input_file_id: required, in a JSON object with each key once");
        }
        return Mono.fromCompletionStage(evaluatedFiles.find(fileId)).flatMap(found -> {
            if (found.isEmpty() || !found.get().accountId().equals(identity.accountId())) {
                return answers.refusedFor(exchange, route, arrival.format(), "refused-unevaluated_file",
                        ApiErrors.Kind.NOT_FOUND, "input_file_id: no batch file uploaded through this gateway by this "
                                + "account has this id; upload it here first");
            }
            Decision decision = engine.evaluateBatchStart(identity, arrival.format(), found.get().items());
            Mono<Void> rejected = recorded(exchange, route, arrival, identity, decision, found.get().items(), started);
            if (rejected != null) {
                return rejected;
            }
            if (Degrader.degrades(decision)) {
                engine.release(decision);
                return degradedBatchRefused(exchange, route, arrival);
            }
            exchange.getAttributes().put(ExtractionGuardGatewayFilterFactory.DECISION_ATTR, decision);
            // the decoded body: its coding and length are not the client's any more
            return chain.filter(exchange.mutate().request(Forwarding.withBody(exchange.getRequest(), body,
                    body != arrival.body(), !intake.trusts(arrival.peer()))).build());
        });
    }

    /** An OpenAI batch file or start under a decision that degrades (its lines run undegraded, answers unfiltered). */
    private Mono<Void> degradedBatchRefused(ServerWebExchange exchange, String route, Arrival arrival) {
        return answers.refusedFor(exchange, route, arrival.format(), "refused-degraded_batch", ApiErrors.Kind.BLOCKED,
                "Batch processing is not available for this account at the moment. Send the requests one at a time.");
    }

    /** A tier whose policy says {@code batches: refuse}. */
    private Mono<Void> batchesRefused(ServerWebExchange exchange, String route, Arrival arrival) {
        return answers.refusedFor(exchange, route, arrival.format(), "refused-batches_not_allowed", ApiErrors.Kind.BLOCKED,
                "Batch processing is not enabled for this account. Send the requests one at a time.");
    }
}
