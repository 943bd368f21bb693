package io.extractionguard.engine.decision;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The state updates of a decision that its answer does not read, to run once the answer is on its way: what the
 * request adds to the claimed-history ledger, to the shareable campaign evidence and to a campaign sanction's
 * reached accounts. Everything the answer reads — the profile and campaign observations it is scored on, verdicts,
 * limits, token reservations, challenge passes — is done when {@link GuardEngine#admit} returns.
 *
 * <p><b>Contract.</b> Whoever receives a decided {@link Outcome} runs its commit exactly once, whatever becomes of
 * the request (forwarded, rejected, the upstream failing, the client hanging up): a commit not run loses what the
 * request taught the engine. {@link #run} is idempotent and thread-safe (later calls do nothing), CPU only and never
 * blocks, so the gateway runs it on the event loop right after handing the request upstream. Until it runs, a
 * concurrent request of the same account decides without these updates. Replay and batches commit right after
 * deciding, so their decisions are those of an engine without the split.
 */
public final class Commit {

    /** Nothing to commit: a request that was not decided (unreadable body, malformed solution). */
    public static final Commit NONE = new Commit();

    private final List<Runnable> steps = new ArrayList<>(2);
    private final AtomicBoolean done = new AtomicBoolean();

    Commit() {
    }

    /** Adds a step; only while deciding, before the commit is handed out. */
    void add(Runnable step) {
        if (this == NONE) {
            throw new IllegalStateException("NONE commits nothing");
        }
        steps.add(step);
    }

    /** Runs the steps in the order they were added, the first time it is called; later calls do nothing. */
    public void run() {
        if (steps.isEmpty() || !done.compareAndSet(false, true)) {
            return;
        }
        for (int i = 0; i < steps.size(); i++) {
            steps.get(i).run();
        }
    }

    /** Whether {@link #run} has run the steps (true when there were none). */
    public boolean isDone() {
        return steps.isEmpty() || done.get();
    }
}
