package io.extractionguard.engine.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an audit file's hash chain (see {@link AuditChain}): every line's hash matches its content,
 * every {@code prev} is the previous line's hash and sequence numbers increase by one. The first
 * problem is reported with its line number.
 */
public final class AuditVerifier {

    private static final Pattern LINE = Pattern.compile(
            "^(\\{\"seq\":(\\d+),\"ts\":\"[^\"]*\",\"replica\":.*,\"prev\":\"([0-9a-f]{64})\")"
                    + ",\"hash\":\"([0-9a-f]{64})\"}$");

    /**
     * The outcome of a verification.
     *
     * @param intact    whether the whole chain verified
     * @param records   records checked (all of them when intact, those before the problem otherwise)
     * @param lastHash  hash of the last good record
     * @param badLine   1-based line of the first problem, 0 when intact
     * @param problem   what is wrong with that line, empty when intact
     */
    public record Result(boolean intact, long records, String lastHash, long badLine, String problem) {
        @Override
        public String toString() {
            return intact ? "OK: " + records + " records, chain intact, last hash " + lastHash
                    : "line " + badLine + ": " + problem + " (" + records + " records before it verified)";
        }
    }

    public Result verify(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            long expectedSeq = -1;
            String prev = null;
            long good = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                Matcher m = LINE.matcher(line);
                if (!m.matches()) {
                    return new Result(false, good, prev, number, "not an audit record (malformed or truncated)");
                }
                long seq = Long.parseLong(m.group(2));
                String linePrev = m.group(3);
                String hash = m.group(4);
                if (!AuditChain.sha256(m.group(1) + "}").equals(hash)) {
                    return new Result(false, good, prev, number, "hash does not match the record's content (record edited)");
                }
                if (prev == null) {
                    expectedSeq = seq; // a chain may continue from an earlier, rotated file
                } else if (!linePrev.equals(prev)) {
                    return new Result(false, good, prev, number, "prev does not match the previous record's hash "
                            + "(a record was removed, inserted or reordered)");
                } else if (seq != expectedSeq) {
                    return new Result(false, good, prev, number, "sequence number " + seq + ", expected " + expectedSeq);
                }
                expectedSeq = seq + 1;
                prev = hash;
                good++;
            }
            return new Result(true, good, prev == null ? AuditChain.GENESIS : prev, 0, "");
        }
    }

    /** The last record of a chain: where a writer continues after a restart. */
    public record Tail(long seq, String hash) {
    }

    /**
     * The last line of {@code file} if it is a well-formed audit record; empty for an empty file or a
     * last line that is not a record (for example truncated by a crash mid-write).
     */
    public static java.util.Optional<Tail> tail(Path file) throws IOException {
        String last = null;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    last = line;
                }
            }
        }
        Matcher m = last == null ? null : LINE.matcher(last);
        if (m == null || !m.matches()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Tail(Long.parseLong(m.group(2)), m.group(4)));
    }
}
