package io.extractionguard.engine.replay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.IdentityResolver;
import io.extractionguard.engine.limits.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.state.InMemoryStateStore;

/**
 * Replays a trace through the same {@link GuardEngine} the gateway runs, with an in-memory state
 * store and local buckets on the trace's clock (contract §2). Clients are assumed not to retry and
 * to solve no challenge.
 *
 * <p>One replay per instance; single-threaded by design, since decisions depend on order.
 */
public final class Replay {

    /** Receives every decision, in trace order. */
    @FunctionalInterface
    public interface Listener {
        void decided(TraceRecord record, Decision decision);
    }

    /** Default key for hashing credentials in replay (replay is offline; set one to match production ids). */
    public static final byte[] DEFAULT_CREDENTIAL_KEY =
            "extraction-guard-replay-credential-key".getBytes(StandardCharsets.UTF_8);

    private final TraceClock clock = new TraceClock();
    private final GuardEngine engine;
    private final IdentityResolver identities;
    private final RequestParser parser = new RequestParser();
    private final ReplaySummary summary;

    public Replay(Policy policy, byte[] credentialKey) {
        this(() -> policy, credentialKey);
    }

    public Replay(Supplier<Policy> policy, byte[] credentialKey) {
        this.engine = new GuardEngine(policy, new InMemoryStateStore(clock), new LocalRateLimiter(clock), clock);
        this.identities = IdentityResolver.trustingEveryone(credentialKey);
        this.summary = new ReplaySummary(policy.get().label());
    }

    /**
     * Replays every line of {@code trace}; unreadable lines go to {@code problems} and are skipped.
     *
     * @return the summary of this replay
     */
    public ReplaySummary run(InputStream trace, TraceReader.Problems problems, Listener listener) throws IOException {
        long started = System.nanoTime(); // measures the replay itself, not detection time
        TraceReader.Problems counting = (line, reason) -> {
            summary.skipped();
            problems.skipped(line, reason);
        };
        try (TraceReader reader = new TraceReader(trace, counting)) {
            TraceRecord record;
            while ((record = reader.next()) != null) {
                Decision decision = decide(record, counting);
                if (decision != null) {
                    summary.record(decision);
                    listener.decided(record, decision);
                }
            }
        }
        summary.finish(System.nanoTime() - started);
        return summary;
    }

    /** Decides one record, or reports it and returns null when its body is not an inference request. */
    Decision decide(TraceRecord record, TraceReader.Problems problems) {
        if (clock.advanceTo(record.ts())) {
            summary.outOfOrder();
        }
        ParseResult parsed = parser.parse(record.path(), record.line(), record.bodyStart(),
                record.bodyEnd() - record.bodyStart());
        if (parsed instanceof ParseResult.Failed failed) {
            problems.skipped(record.lineNumber(), "body is not a valid inference request ("
                    + failed.error().kind() + "): " + failed.error().message());
            return null;
        }
        ClientIdentity identity = identities.resolve(record.headers()::get, record.remoteAddr());
        return engine.evaluate(new GuardRequest(identity, ((ParseResult.Parsed) parsed).request()));
    }
}
