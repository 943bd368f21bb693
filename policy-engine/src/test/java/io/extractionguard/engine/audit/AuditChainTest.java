package io.extractionguard.engine.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keyed chain and its checkpoints against each way of quietly cutting or rewriting a trail. */
class AuditChainTest {

    static final AuditKey KEY = AuditKey.of("audit-key-for-tests-0123456789abcdef", "test");
    private static final Instant T0 = Instant.parse("2026-03-02T14:00:00Z");

    @TempDir
    Path dir;

    private final AuditVerifier verifier = new AuditVerifier(KEY);

    private Path write(List<String> lines) throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Files.write(file, lines);
        return file;
    }

    /** {@code n} records of replica gw-1, with a checkpoint after every {@code every} records. */
    private static List<String> chain(AuditChain chain, int n, int every, List<AuditCheckpoint> checkpoints) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(chain.append(T0.plusSeconds(i), i % 2 == 0 ? "operator" : "decision",
                    "{\"account\":\"acct-" + i + "\",\"action\":\"BLOCK\",\"reason\":\"ticket \\\"42\\\"\"}"));
            if (checkpoints != null && (i + 1) % every == 0) {
                checkpoints.add(chain.checkpoint(T0.plusSeconds(i)));
            }
        }
        return lines;
    }

    private static List<String> chain(int n) {
        return chain(AuditChain.start("gw-1", KEY), n, 1, null);
    }

    @Test
    void anUntouchedChainVerifiesFromGenesisAndIsAnchoredByItsCheckpoints() throws Exception {
        List<AuditCheckpoint> checkpoints = new ArrayList<>();
        Path file = write(chain(AuditChain.start("gw-1", KEY), 10, 4, checkpoints));
        AuditVerifier.Result r = verifier.verify(file, checkpoints, null);
        assertThat(r.intact()).as(r.toString()).isTrue();
        assertThat(r.toString()).startsWith("OK: 10 records, chain intact from genesis; anchored to record 8")
                .contains("2 later records not yet checkpointed");
        assertThat(verifier.verify(file).toString()).contains("tail not anchored");
    }

    @Test
    void headCut() throws Exception {
        List<String> lines = chain(6);
        AuditVerifier.Result r = verifier.verify(write(lines.subList(2, 6)));
        assertThat(r.intact()).isFalse();
        assertThat(r.badLine()).isEqualTo(1);
        assertThat(r.problem()).startsWith("head cut: the chain starts at record 3, not at genesis");
    }

    @Test
    void aRotatedFileVerifiesFromTheCheckpointItMustContain() throws Exception {
        List<AuditCheckpoint> checkpoints = new ArrayList<>();
        List<String> lines = chain(AuditChain.start("gw-1", KEY), 9, 3, checkpoints);
        AuditCheckpoint third = checkpoints.get(0);
        Path rotated = write(lines.subList(2, 9));
        assertThat(verifier.verify(rotated, checkpoints, third).intact()).isTrue();
        // a file cut further than the checkpoint it claims to continue from
        AuditVerifier.Result r = verifier.verify(write(lines.subList(4, 9)), checkpoints, third);
        assertThat(r.problem()).startsWith("head cut: the file starts at record 5, after the starting checkpoint's record 3");
    }

    @Test
    void tailCut() throws Exception {
        List<AuditCheckpoint> checkpoints = new ArrayList<>();
        List<String> lines = chain(AuditChain.start("gw-1", KEY), 10, 2, checkpoints);
        AuditVerifier.Result r = verifier.verify(write(lines.subList(0, 7)), checkpoints, null);
        assertThat(r.intact()).isFalse();
        assertThat(r.badLine()).isEqualTo(8);
        assertThat(r.problem()).startsWith("tail cut: a checkpoint").contains("reached record 10 but the file ends at record 7");
        assertThat(verifier.verify(write(List.of()), checkpoints, null).problem()).startsWith("tail cut: the file is empty");
    }

    @Test
    void middleEdit() throws Exception {
        List<String> lines = chain(5);
        lines.set(2, lines.get(2).replace("\"action\":\"BLOCK\"", "\"action\":\"ALLOW\""));
        AuditVerifier.Result r = verifier.verify(write(lines));
        assertThat(r.intact()).isFalse();
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("record edited");
    }

    @Test
    void middleEditWithTheHashRecomputedByTheKeyHolderStillBreaksTheNextLink() throws Exception {
        List<String> lines = chain(4);
        String body = lines.get(1).substring(0, lines.get(1).lastIndexOf(",\"hash\":")).replace("acct-1", "acct-X");
        lines.set(1, body + ",\"hash\":\"" + KEY.mac(body + "}") + "\"}");
        AuditVerifier.Result r = verifier.verify(write(lines));
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("prev does not match");
    }

    @Test
    void wholeFileRewriteWithoutTheKey() throws Exception {
        // the forger rebuilds every line's chain with plain SHA-256 (or any key but ours)
        List<String> forged = new ArrayList<>();
        String prev = AuditChain.GENESIS;
        for (int i = 1; i <= 4; i++) {
            String body = "{\"seq\":" + i + ",\"ts\":\"" + T0 + "\",\"replica\":\"gw-1\",\"kind\":\"operator\",\"data\":{},\"prev\":\""
                    + prev + "\"";
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest((body + "}").getBytes()));
            forged.add(body + ",\"hash\":\"" + hash + "\"}");
            prev = hash;
        }
        AuditVerifier.Result r = verifier.verify(write(forged));
        assertThat(r.intact()).isFalse();
        assertThat(r.badLine()).isEqualTo(1);
        assertThat(r.problem()).contains("written without the key");
        // and so is a chain written under another key
        AuditKey other = AuditKey.of("another-key-that-is-long-enough-0123456789", "test");
        assertThat(verifier.verify(write(chain(AuditChain.start("gw-1", other), 3, 1, null))).problem())
                .contains("written without the key");
    }

    @Test
    void replayOfAnOldCopyOfTheFile() throws Exception {
        List<AuditCheckpoint> checkpoints = new ArrayList<>();
        AuditChain writer = AuditChain.start("gw-1", KEY);
        List<String> old = chain(writer, 5, 5, checkpoints);
        Path file = write(old);
        byte[] oldCopy = Files.readAllBytes(file);
        Files.write(file, chain(writer, 5, 5, checkpoints), StandardOpenOption.APPEND);
        assertThat(verifier.verify(file, checkpoints, null).intact()).isTrue();

        Files.write(file, oldCopy); // the old, perfectly valid copy put back
        AuditVerifier.Result r = verifier.verify(file, checkpoints, null);
        assertThat(r.intact()).isFalse();
        assertThat(r.problem()).contains("reached record 10 but the file ends at record 5", "an old copy of the file");
    }

    @Test
    void aFileReplacedByAnotherChainOfTheKeyHolderContradictsTheCheckpoints() throws Exception {
        List<AuditCheckpoint> checkpoints = new ArrayList<>();
        chain(AuditChain.start("gw-1", KEY), 6, 3, checkpoints);
        // same key and replica (a key holder's fabrication), different content from record 1 on
        AuditVerifier.Result r = verifier.verify(write(chainWithOtherData()), checkpoints, null);
        assertThat(r.intact()).isFalse();
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("names another hash for record 3 (the file was rewritten or replaced)");
    }

    private static List<String> chainWithOtherData() {
        AuditChain chain = AuditChain.start("gw-1", KEY);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add(chain.append(T0.plusSeconds(i), "operator", "{\"account\":\"other-" + i + "\"}"));
        }
        return lines;
    }

    @Test
    void aForgedCheckpointIsRejected() throws Exception {
        List<AuditCheckpoint> checkpoints = new ArrayList<>();
        Path file = write(chain(AuditChain.start("gw-1", KEY), 4, 2, checkpoints));
        AuditCheckpoint real = checkpoints.get(1);
        AuditCheckpoint forged = new AuditCheckpoint(real.replica(), 40, real.head(), real.ts(), real.mac());
        assertThat(verifier.verify(file, List.of(forged), null).problem()).contains("not signed with this key");
    }

    @Test
    void removedAndTruncatedLinesAreDetected() throws Exception {
        List<String> removed = chain(5);
        removed.remove(2);
        assertThat(verifier.verify(write(removed)).badLine()).isEqualTo(3);

        List<String> truncated = chain(3);
        truncated.set(2, truncated.get(2).substring(0, 40));
        AuditVerifier.Result r = verifier.verify(write(truncated));
        assertThat(r.badLine()).isEqualTo(3);
        assertThat(r.problem()).contains("malformed or truncated");
    }

    @Test
    void checkpointsAreFoundInLogLinesAndRoundTrip() throws Exception {
        AuditChain chain = AuditChain.start("gw-\"1\"", KEY);
        chain.append(T0, "policy", "{}");
        AuditCheckpoint c = chain.checkpoint(T0);
        Path log = dir.resolve("log.txt");
        Files.write(log, List.of("2026-03-02 INFO something else", "shipper: " + c.line(), "{\"seq\":1}"));
        assertThat(AuditVerifier.checkpoints(log)).containsExactly(c);
        assertThat(c.authentic(KEY)).isTrue();
    }

    @Test
    void aChainContinuesFromTheTailOfAnExistingFile() throws Exception {
        Path file = write(chain(3));
        AuditVerifier.Tail tail = AuditVerifier.tail(file).orElseThrow();
        AuditChain resumed = new AuditChain("gw-1", KEY, tail.seq(), tail.hash());
        Files.writeString(file, resumed.append(Instant.EPOCH, "policy", "{\"version\":\"v2\"}") + "\n",
                StandardOpenOption.APPEND);
        assertThat(verifier.verify(file).records()).isEqualTo(4);
        assertThat(verifier.verify(file).intact()).isTrue();
    }
}
