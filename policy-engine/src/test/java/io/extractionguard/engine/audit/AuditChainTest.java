package io.extractionguard.engine.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainTest {

    @TempDir
    Path dir;

    private Path write(List<String> lines) throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Files.write(file, lines);
        return file;
    }

    private List<String> chain(int n) {
        AuditChain chain = AuditChain.start("gw-1");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(chain.append(Instant.parse("2026-03-02T14:00:00Z").plusSeconds(i), i % 2 == 0 ? "operator" : "decision",
                    "{\"account\":\"acct-" + i + "\",\"action\":\"BLOCK\",\"reason\":\"ticket \\\"42\\\"\"}"));
        }
        return lines;
    }

    @Test
    void anUntouchedChainVerifies() throws Exception {
        AuditVerifier.Result r = new AuditVerifier().verify(write(chain(5)));
        assertThat(r.intact()).isTrue();
        assertThat(r.records()).isEqualTo(5);
        assertThat(r.toString()).startsWith("OK: 5 records, chain intact");
    }

    @Test
    void anEditedLineIsDetectedAtItsLineNumber() throws Exception {
        List<String> lines = chain(5);
        lines.set(2, lines.get(2).replace("\"action\":\"BLOCK\"", "\"action\":\"ALLOW\""));
        AuditVerifier.Result r = new AuditVerifier().verify(write(lines));
        assertThat(r.intact()).isFalse();
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("record edited");
    }

    @Test
    void anEditThatAlsoRecomputesTheLinesHashBreaksTheNextLink() throws Exception {
        List<String> lines = chain(4);
        String body = lines.get(1).substring(0, lines.get(1).lastIndexOf(",\"hash\":")).replace("acct-1", "acct-X");
        lines.set(1, body + ",\"hash\":\"" + AuditChain.sha256(body + "}") + "\"}");
        AuditVerifier.Result r = new AuditVerifier().verify(write(lines));
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("prev does not match");
    }

    @Test
    void removedAndTruncatedLinesAreDetected() throws Exception {
        List<String> removed = chain(5);
        removed.remove(2);
        assertThat(new AuditVerifier().verify(write(removed)).badLine()).isEqualTo(3);

        List<String> truncated = chain(3);
        truncated.set(2, truncated.get(2).substring(0, 40));
        AuditVerifier.Result r = new AuditVerifier().verify(write(truncated));
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("malformed or truncated");
    }

    @Test
    void aChainContinuesFromTheTailOfAnExistingFile() throws Exception {
        Path file = write(chain(3));
        AuditVerifier.Tail tail = AuditVerifier.tail(file).orElseThrow();
        AuditChain resumed = new AuditChain("gw-1", tail.seq(), tail.hash());
        Files.writeString(file, resumed.append(Instant.EPOCH, "policy", "{\"version\":\"v2\"}") + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(new AuditVerifier().verify(file).records()).isEqualTo(4);
        assertThat(new AuditVerifier().verify(file).intact()).isTrue();
    }
}
