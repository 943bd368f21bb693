package io.extractionguard.gateway.audit;

import java.util.ArrayDeque;
import java.util.List;

import io.extractionguard.engine.audit.AuditCheckpoint;

/**
 * The embedded gateway's checkpoints: the latest {@value #RETAINED} in memory (they are also in the
 * log). Gone with the process, so only the log's copy outlives it.
 */
public final class RecentAuditCheckpoints implements AuditCheckpoints {

    static final int RETAINED = 10_000;

    private final ArrayDeque<AuditCheckpoint> recent = new ArrayDeque<>();

    @Override
    public synchronized void publish(AuditCheckpoint checkpoint) {
        if (recent.size() == RETAINED) {
            recent.removeFirst();
        }
        recent.addLast(checkpoint);
    }

    @Override
    public synchronized List<AuditCheckpoint> read() {
        return List.copyOf(recent);
    }
}
