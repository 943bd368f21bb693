package io.extractionguard.gateway.audit;

import java.io.IOException;
import java.util.List;

import io.extractionguard.engine.audit.AuditCheckpoint;

/**
 * Where the audit trail's signed checkpoints go, away from the file they vouch for: the fleet's Redis
 * ({@code RedisAuditCheckpoints}) or, embedded, this process's memory. The verifier reads them back
 * ({@code GET /admin/audit/checkpoints}) to tell a cut tail or an old copy from an intact file.
 */
public interface AuditCheckpoints {

    /** Publishes a checkpoint without waiting for a remote store. */
    void publish(AuditCheckpoint checkpoint);

    /** The checkpoints published and retained (any order; the verifier sorts by sequence). Blocking: call off the event loop. */
    List<AuditCheckpoint> read() throws IOException;
}
