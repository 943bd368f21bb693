package io.extractionguard.engine.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an audit file's keyed chain (see {@link AuditChain}) end to end: every line's hash is the
 * key's MAC of its content, every {@code prev} is the previous line's hash, sequence numbers
 * increase by one, all records are one replica's. The chain must start at genesis (record 1) or
 * contain a given checkpoint (a rotated file), else its head was cut. Against the replica's published
 * {@link AuditCheckpoint}s: each one within the file must name the same hash (else the file was
 * rewritten or swapped), and none may lie beyond the file's last record (else its tail was cut, or
 * it is an old copy). The first problem is reported with its line number.
 */
public final class AuditVerifier {

    private static final Pattern LINE = Pattern.compile(
            "^(\\{\"seq\":(\\d+),\"ts\":\"[^\"]*\",\"replica\":(\"(?:[^\"\\\\]|\\\\.)*\"),.*,\"prev\":\"([0-9a-f]{64})\")"
                    + ",\"hash\":\"([0-9a-f]{64})\"}$");

    private final AuditKey key;

    public AuditVerifier(AuditKey key) {
        this.key = key;
    }

    /**
     * The outcome of a verification.
     *
     * @param intact   whether the whole chain verified
     * @param records  records checked (all of them when intact, those before the problem otherwise)
     * @param lastHash hash of the last good record
     * @param badLine  1-based line of the first problem (one past the end for a cut tail), 0 when intact
     * @param problem  what is wrong, empty when intact
     * @param anchor   when intact: where the chain starts and how far checkpoints vouch for it
     */
    public record Result(boolean intact, long records, String lastHash, long badLine, String problem, String anchor) {
        @Override
        public String toString() {
            return intact ? "OK: " + records + " records, chain intact " + anchor + ", last hash " + lastHash
                    : "line " + badLine + ": " + problem + " (" + records + " records before it verified)";
        }
    }

    /** Verifies from genesis, without checkpoints (a cut tail is then undetectable, and said so). */
    public Result verify(Path file) throws IOException {
        return verify(file, List.of(), null);
    }

    /**
     * @param checkpoints published checkpoints (any replicas'; those of the file's replica are used)
     * @param from        a trusted checkpoint the file must contain, for a file that does not start at
     *                    genesis; null: from genesis
     */
    public Result verify(Path file, Collection<AuditCheckpoint> checkpoints, AuditCheckpoint from) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Run(checkpoints, from).over(reader);
        }
    }

    /** One verification's state. */
    private final class Run {
        private final Collection<AuditCheckpoint> published;
        private final AuditCheckpoint from;
        private final Map<Long, AuditCheckpoint> bySeq = new HashMap<>();
        private AuditCheckpoint newest;
        private AuditCheckpoint newestMatched;
        private String replica;
        private long number;
        private long good;
        private long firstSeq;
        private long lastSeq;
        private String prev;

        Run(Collection<AuditCheckpoint> published, AuditCheckpoint from) {
            this.published = published;
            this.from = from;
        }

        Result over(BufferedReader reader) throws IOException {
            String line;
            while ((line = reader.readLine()) != null) {
                number++;
                String problem = record(line);
                if (problem != null) {
                    return new Result(false, good, prev, number, problem, "");
                }
                good++;
            }
            return end();
        }

        /** Checks one line; null when it is good. */
        private String record(String line) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                return "not an audit record (malformed or truncated)";
            }
            long seq = Long.parseLong(m.group(2));
            String lineReplica = m.group(3);
            String linePrev = m.group(4);
            String hash = m.group(5);
            if (!key.mac(m.group(1) + "}").equals(hash)) {
                return "hash does not match the record's content (record edited, or written without the key)";
            }
            if (prev == null) {
                String problem = first(seq, lineReplica, linePrev);
                if (problem != null) {
                    return problem;
                }
            } else if (!lineReplica.equals(replica)) {
                return "record of replica " + lineReplica + " inside replica " + replica + "'s chain";
            } else if (!linePrev.equals(prev)) {
                return "prev does not match the previous record's hash (a record was removed, inserted or reordered)";
            } else if (seq != lastSeq + 1) {
                return "sequence number " + seq + ", expected " + (lastSeq + 1);
            }
            if (from != null && seq == from.seq() && !hash.equals(from.head())) {
                return "record " + seq + " is not the one the starting checkpoint names (hash differs)";
            }
            AuditCheckpoint c = bySeq.get(seq);
            if (c != null) {
                if (!hash.equals(c.head())) {
                    return "the checkpoint of " + c.ts() + " names another hash for record " + seq
                            + " (the file was rewritten or replaced)";
                }
                newestMatched = c;
            }
            lastSeq = seq;
            prev = hash;
            return null;
        }

        private String first(long seq, String lineReplica, String linePrev) {
            replica = lineReplica;
            firstSeq = seq;
            for (AuditCheckpoint c : published) {
                if (AuditChain.quote(c.replica()).equals(replica)) {
                    if (!c.authentic(key)) {
                        return "checkpoint " + c.line() + " is not signed with this key (forged or edited)";
                    }
                    bySeq.merge(c.seq(), c, (a, b) -> a.ts().isAfter(b.ts()) ? a : b);
                    if (newest == null || c.seq() > newest.seq()) {
                        newest = c;
                    }
                }
            }
            if (from == null && (seq != 1 || !linePrev.equals(AuditChain.GENESIS))) {
                return "head cut: the chain starts at record " + seq + ", not at genesis (record 1); earlier records "
                        + "are missing (for a rotated file, verify from a checkpoint: --from SEQ:HASH)";
            }
            if (from != null && seq > from.seq()) {
                return "head cut: the file starts at record " + seq + ", after the starting checkpoint's record " + from.seq();
            }
            return null;
        }

        private Result end() {
            if (good == 0) {
                Optional<AuditCheckpoint> any = published.stream().max(Comparator.comparingLong(AuditCheckpoint::seq));
                if (any.isPresent() && any.get().seq() > 0) {
                    return new Result(false, 0, AuditChain.GENESIS, 1, "tail cut: the file is empty but a checkpoint ("
                            + any.get().ts() + ") reached record " + any.get().seq(), "");
                }
                return new Result(true, 0, AuditChain.GENESIS, 0, "", "(empty)");
            }
            if (from != null && from.seq() > lastSeq) {
                return new Result(false, good, prev, number + 1, "the starting checkpoint's record " + from.seq()
                        + " is not in the file (it ends at record " + lastSeq + ")", "");
            }
            if (newest != null && newest.seq() > lastSeq) {
                return new Result(false, good, prev, number + 1, "tail cut: a checkpoint (" + newest.ts() + ") reached record "
                        + newest.seq() + " but the file ends at record " + lastSeq + "; records " + (lastSeq + 1) + "-"
                        + newest.seq() + " are missing (cut, or an old copy of the file)", "");
            }
            String start = from == null ? "from genesis" : "from checkpoint " + from.seq();
            String tail = newestMatched == null
                    ? "; tail not anchored (no checkpoint of replica " + replica + " within records " + firstSeq + "-" + lastSeq + ")"
                    : "; anchored to record " + newestMatched.seq() + " by the checkpoint of " + newestMatched.ts()
                    + (lastSeq > newestMatched.seq() ? " (" + (lastSeq - newestMatched.seq()) + " later records not yet checkpointed)" : "");
            return new Result(true, good, prev, 0, "", start + tail);
        }
    }

    /** The last record of a chain: where a writer continues after a restart. */
    public record Tail(long seq, String hash) {
    }

    /**
     * The last line of {@code file} if it is a well-formed audit record; empty for an empty file or a
     * last line that is not a record (for example truncated by a crash mid-write).
     */
    public static Optional<Tail> tail(Path file) throws IOException {
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
            return Optional.empty();
        }
        return Optional.of(new Tail(Long.parseLong(m.group(2)), m.group(5)));
    }

    /** The checkpoints found in {@code file}'s lines (a Redis export or a log with other lines in between). */
    public static List<AuditCheckpoint> checkpoints(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.map(AuditCheckpoint::find).flatMap(Optional::stream).toList();
        }
    }
}
