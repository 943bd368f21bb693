package io.extractionguard.gateway.support;

import java.io.IOException;
import java.nio.file.Path;

import io.extractionguard.engine.audit.AuditKey;
import io.extractionguard.engine.audit.AuditVerifier;

/** Audit files written by a gateway without {@code guard.audit.key}: keyed by the {@code <file>.key} it created. */
public final class AuditFiles {

    private AuditFiles() {
    }

    public static AuditVerifier verifier(Path file) throws IOException {
        return new AuditVerifier(AuditKey.readFile(file.resolveSibling(file.getFileName() + ".key")));
    }
}
