package io.extractionguard.engine.replay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

import io.extractionguard.engine.boundary.Classification;
import io.extractionguard.engine.boundary.RequestBoundary;
import io.extractionguard.engine.decision.Arrival;
import io.extractionguard.engine.decision.Outcome;
import io.extractionguard.engine.memory.SingleThreadedCampaignStore;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.spi.HeaderSource;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.decision.PreparedRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.decision.IdentityResolver;
import io.extractionguard.engine.decision.Intake;
import io.extractionguard.engine.memory.InMemoryHistoryLedger;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.memory.LocalTokenLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.memory.SingleThreadedStateStore;

/**
 * Replays a trace through the same {@link GuardEngine} the gateway runs, with an in-memory state
 * store and local buckets on the trace's clock (contract §2). Clients are assumed not to retry and
 * to solve no challenge.
 *
 * <p>Order matters only where state changes, so the work is split like the engine's API: lines are
 * parsed and their features extracted ({@link GuardEngine#prepare}) in batches on worker threads,
 * and decided ({@link GuardEngine#evaluate(PreparedRequest)}) strictly in trace order on the
 * calling thread; the listener and {@code Problems} get them in trace order, a batch behind, on a
 * thread of their own (writing the decisions file was off the critical thread's path this way).
 * The decisions are the same as a single-threaded replay's.
 */
public final class Replay {

    /** Receives every decision, in trace order, on one thread of the replay's own; {@link #run} returns after the last. */
    @FunctionalInterface
    public interface Listener {
        void decided(TraceRecord record, Decision decision);

        /** A line the gateway would have refused before deciding it (in trace order, among the decisions). */
        default void rejected(TraceRecord record, Rejection rejection) {
        }
    }

    /**
     * Why the gateway would refuse a line's request without deciding it: the cause it answers with (an
     * {@link Outcome.Cause} of an unreadable body, or a {@link Classification.Cause} of the boundary), its message
     * (never content), and the caller as the gateway identifies it.
     */
    public record Rejection(String cause, String message, String accountId) {
        static Rejection of(Classification.Refused refused, String accountId) {
            return new Rejection(refused.cause().name(), refused.message(), accountId);
        }

        static Rejection of(ParseError error, String accountId) {
            return new Rejection(Outcome.invalid(error).cause().name(), error.message(), accountId);
        }
    }

    /** Receives lines that are skipped, in trace order, on the {@link Listener}'s thread. */
    @FunctionalInterface
    public interface Problems {
        void skipped(long lineNumber, String reason);
    }

    /** Default key for hashing credentials in replay (replay is offline; set one to match production ids). */
    public static final byte[] DEFAULT_CREDENTIAL_KEY =
            "extraction-guard-replay-credential-key".getBytes(StandardCharsets.UTF_8);
    /** Lines longer than this are skipped without parsing (a request body is capped far below it). */
    public static final int MAX_LINE_BYTES = 64 << 20;
    static final int BATCH = 512;
    /** Credential hashes each prepare worker remembers (a trace repeats its keys). */
    static final int CREDENTIALS_PER_WORKER = 16_384;

    /** The boundary of a route with the shipped defaults: the trace's method, path and headers are classified by it. */
    private static final RequestBoundary BOUNDARY = RequestBoundary.defaults();

    private final TraceClock clock = new TraceClock();
    private final GuardEngine engine;
    private final Intake intake;
    private final TraceLineParser lines;
    private final ReplaySummary summary;
    private final int workers;
    private final Clock wallClock;
    /** Whether a body that closes its line is taken as is first ({@link TraceLineParser#parseTakingALastBodyAsIs}); tests compare. */
    boolean takeLastBodyAsIs = true;

    /**
     * @param wallClock measures only the replay's own speed ({@link ReplaySummary}); detection runs on trace time
     */
    public Replay(Policy policy, byte[] credentialKey, Clock wallClock) {
        this(() -> policy, credentialKey, Runtime.getRuntime().availableProcessors(), wallClock);
    }

    public Replay(Supplier<Policy> policy, byte[] credentialKey, int workers, Clock wallClock) {
        this.wallClock = wallClock;
        // single-threaded twins of the in-memory stores: every decision is made on the calling thread
        this.engine = GuardEngine.builder(policy, clock).store(new SingleThreadedStateStore(clock))
                .limiter(LocalRateLimiter.singleThreaded(clock)).tokens(LocalTokenLimiter.singleThreaded(clock))
                .campaigns(new SingleThreadedCampaignStore(clock)).history(InMemoryHistoryLedger.singleThreaded(clock))
                .withoutEvidence() // nothing exports it here
                .intake(new Intake(new RequestParser(), IdentityResolver.trustingEveryone(credentialKey)
                        .rememberingCredentialHashes(CREDENTIALS_PER_WORKER))).build();
        this.intake = engine.intake();
        this.lines = new TraceLineParser();
        this.summary = new ReplaySummary(policy.get().label());
        this.workers = Math.max(1, workers);
    }

    /** One trace line after the parallel stage: a request to decide, a rejection, or why the line is skipped. */
    private record Prepared(long lineNumber, TraceRecord record, PreparedRequest request, Rejection rejection,
                            String skipReason) {
        static Prepared skipped(long lineNumber, String reason) {
            return new Prepared(lineNumber, null, null, null, reason);
        }
    }

    /**
     * Replays every line of {@code trace}; unreadable lines go to {@code problems} and are skipped.
     *
     * @return the summary of this replay
     */
    public ReplaySummary run(InputStream trace, Problems problems, Listener listener) throws IOException {
        Instant started = wallClock.instant(); // the replay's own speed, not detection time
        ExecutorService pool = Executors.newFixedThreadPool(workers, daemon("replay-prepare"));
        // splitting lines runs one batch ahead on a thread of its own, off the deciding (critical) thread
        ExecutorService readThread = Executors.newSingleThreadExecutor(daemon("replay-read"));
        // the listener (the decisions file, an evaluation's tallies) runs a batch behind, on a thread of its own
        ExecutorService writeThread = Executors.newSingleThreadExecutor(daemon("replay-write"));
        try (LineReader reader = new LineReader(trace, MAX_LINE_BYTES)) {
            Future<List<LineReader.Line>> nextBatch = readThread.submit(() -> reader.next(BATCH));
            Deque<Future<List<Prepared>>> inFlight = new ArrayDeque<>();
            Deque<Future<?>> delivering = new ArrayDeque<>();
            boolean eof = false;
            while (!eof || !inFlight.isEmpty()) {
                while (!eof && inFlight.size() < workers * 2) {
                    List<LineReader.Line> batch = await(nextBatch, "reading the trace");
                    if (batch.isEmpty()) {
                        eof = true;
                    } else {
                        nextBatch = readThread.submit(() -> reader.next(BATCH));
                        inFlight.add(pool.submit(() -> prepare(batch)));
                    }
                }
                if (!inFlight.isEmpty()) {
                    List<Prepared> batch = await(inFlight.poll(), "preparing lines");
                    Decision[] decisions = new Decision[batch.size()];
                    for (int i = 0; i < decisions.length; i++) {
                        decisions[i] = decide(batch.get(i));
                    }
                    if (delivering.size() >= 2) {
                        awaitDelivery(delivering.poll());
                    }
                    delivering.add(writeThread.submit(() -> deliver(batch, decisions, problems, listener)));
                }
            }
            while (!delivering.isEmpty()) {
                awaitDelivery(delivering.poll());
            }
        } finally {
            readThread.shutdownNow();
            pool.shutdownNow();
            writeThread.shutdownNow();
        }
        summary.finish(Duration.between(started, wallClock.instant()).toNanos());
        return summary;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Decides one prepared line in trace order; null for a skipped or rejected line (state untouched). */
    private Decision decide(Prepared p) {
        if (p.skipReason() != null) {
            summary.skipped();
            return null;
        }
        if (p.rejection() != null) {
            summary.rejected(p.rejection());
            return null;
        }
        if (clock.advanceTo(p.record().ts())) {
            summary.outOfOrder();
        }
        engine.correlateIfDue(); // periodic campaign correlation, on trace time
        Decision decision = engine.evaluate(p.request());
        engine.release(decision); // a trace has no responses: a forwarded request's reservation charges nothing
        summary.record(decision);
        return decision;
    }

    /** Hands a decided batch to the listener and its skipped lines to {@code problems}, in trace order. */
    private static void deliver(List<Prepared> batch, Decision[] decisions, Problems problems, Listener listener) {
        for (int i = 0; i < decisions.length; i++) {
            Prepared p = batch.get(i);
            if (p.rejection() != null) {
                listener.rejected(p.record(), p.rejection());
            } else if (decisions[i] == null) {
                problems.skipped(p.lineNumber(), p.skipReason());
            } else {
                listener.decided(p.record(), decisions[i]);
            }
        }
    }

    private List<Prepared> prepare(List<LineReader.Line> batch) {
        List<Prepared> out = new ArrayList<>(batch.size());
        for (LineReader.Line line : batch) {
            out.add(prepare(line));
        }
        return out;
    }

    /**
     * Everything about a line that does not depend on state (worker threads): its envelope read; what the gateway would
     * make of its request line, headers and body (classified by the route's boundary, the body checked and parsed by
     * {@link Intake#parse}: the same code, so the same refusals); the caller identified; its features extracted.
     */
    private Prepared prepare(LineReader.Line line) {
        if (line.bytes() == null) {
            return Prepared.skipped(line.number(), "line longer than " + MAX_LINE_BYTES + " bytes");
        }
        if (isBlank(line.bytes())) {
            return Prepared.skipped(line.number(), "empty line");
        }
        Prepared prepared = takeLastBodyAsIs
                ? prepare(line.number(), lines.parseTakingALastBodyAsIs(line.number(), line.bytes())) : null;
        // a body taken as is that the parser refuses may not be the body, nor the line JSON: read it step by step
        return prepared != null ? prepared : prepare(line.number(), lines.parse(line.number(), line.bytes()));
    }

    /** The line read; null when its body was taken as is and is refused, or not parsed at all (read it again). */
    private Prepared prepare(long lineNumber, TraceLineParser.Parsed parsed) {
        if (parsed.skipReason() != null) {
            return Prepared.skipped(lineNumber, parsed.skipReason());
        }
        TraceRecord record = parsed.record();
        HeaderSource headers = record.headers()::get;
        Classification classification = BOUNDARY.classify(record.method(), record.path(), headers);
        if (parsed.bodyAssumed() && !(classification instanceof Classification.Inference)) {
            return null; // its body unread: whether the line is JSON at all comes first
        }
        if (classification instanceof Classification.Refused refused) {
            return rejected(record, Rejection.of(refused, identify(record).accountId()));
        }
        if (!(classification instanceof Classification.Inference inference)) {
            return Prepared.skipped(lineNumber, "not an inference request: the gateway "
                    + (classification instanceof Classification.Batch ? "evaluates batches item by item" : "passes it unevaluated")
                    + " (" + record.method() + " " + record.path() + ")");
        }
        ParseResult body = intake.parse(inference.format(), record.line(), record.bodyStart(),
                record.bodyEnd() - record.bodyStart(), Arrival.DEFAULT_MAX_BYTES);
        if (body instanceof ParseResult.Failed && parsed.bodyAssumed()) {
            return null;
        }
        ClientIdentity identity = identify(record);
        if (body instanceof ParseResult.Failed failed) {
            return rejected(record, Rejection.of(failed.error(), identity.accountId()));
        }
        PreparedRequest request = engine.prepare(new GuardRequest(identity, ((ParseResult.Parsed) body).request()));
        return new Prepared(lineNumber, record, request, null, null);
    }

    private ClientIdentity identify(TraceRecord record) {
        return intake.identify(record.headers()::get, record.remoteAddr());
    }

    private static Prepared rejected(TraceRecord record, Rejection rejection) {
        return new Prepared(record.lineNumber(), record, null, rejection, null);
    }

    private static <T> T await(Future<T> future, String stage) throws IOException {
        return await(future, stage, false);
    }

    /** Waits for a delivery; what the listener threw is thrown here as it was. */
    private static void awaitDelivery(Future<?> delivery) throws IOException {
        await(delivery, "delivering decisions", true);
    }

    private static <T> T await(Future<T> future, String stage, boolean unchecked) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("replay interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (unchecked && e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (unchecked && e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IOException("replay failed while " + stage + ": " + e.getCause(), e.getCause());
        }
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
