package io.extractionguard.engine.audit;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A signed statement "replica R's audit chain had reached record {@code seq} whose hash is
 * {@code head} at {@code ts}", published where the replica's own disk cannot take it back (Redis and
 * the log pipeline). The verifier uses the newest checkpoint to detect a cut tail or an old copy of
 * the file, and any checkpoint as a trusted starting point after a cut head (rotation). One JSON line:
 *
 * <pre>{"checkpoint":"audit","replica":"gw-1","seq":12,"head":"…","ts":"…","mac":"…"}</pre>
 *
 * {@code mac} is the HMAC-SHA256 under the {@link AuditKey} of the line without the {@code ,"mac":…} member.
 */
public record AuditCheckpoint(String replica, long seq, String head, Instant ts, String mac) {

    private static final Pattern LINE = Pattern.compile(
            "(\\{\"checkpoint\":\"audit\",\"replica\":(\"(?:[^\"\\\\]|\\\\.)*\"),\"seq\":(\\d+),\"head\":\"([0-9a-f]{64})\""
                    + ",\"ts\":\"([^\"]+)\"),\"mac\":\"([0-9a-f]{64})\"}");

    static AuditCheckpoint sign(AuditKey key, String replica, long seq, String head, Instant ts) {
        return new AuditCheckpoint(replica, seq, head, ts, key.mac(body(replica, seq, head, ts)));
    }

    private static String body(String replica, long seq, String head, Instant ts) {
        return "{\"checkpoint\":\"audit\",\"replica\":" + AuditChain.quote(replica) + ",\"seq\":" + seq
                + ",\"head\":\"" + head + "\",\"ts\":\"" + ts + "\"";
    }

    /** The JSON line (no newline). */
    public String line() {
        return body(replica, seq, head, ts) + ",\"mac\":\"" + mac + "\"}";
    }

    /** Whether the signature is the key's: a checkpoint forged or edited without the key is not. */
    public boolean authentic(AuditKey key) {
        return key.mac(body(replica, seq, head, ts)).equals(mac);
    }

    /**
     * The checkpoint in {@code line}, which may carry a prefix (a log line's timestamp, a shipper's
     * envelope); empty when the line holds none.
     */
    public static Optional<AuditCheckpoint> find(String line) {
        int at = line.indexOf("{\"checkpoint\":\"audit\"");
        if (at < 0) {
            return Optional.empty();
        }
        Matcher m = LINE.matcher(line);
        if (!m.find(at)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new AuditCheckpoint(unquote(m.group(2)), Long.parseLong(m.group(3)), m.group(4),
                    Instant.parse(m.group(5)), m.group(6)));
        } catch (DateTimeParseException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Reads a checkpoint given on a command line as {@code SEQ:HEAD} (unsigned: the operator vouches for it). */
    public static AuditCheckpoint given(String replica, String seqColonHead) {
        int colon = seqColonHead.indexOf(':');
        if (colon < 1 || !seqColonHead.substring(colon + 1).matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a checkpoint is SEQ:HEAD (a record number and its 64-hex-digit hash), was '"
                    + seqColonHead + "'");
        }
        return new AuditCheckpoint(replica, Long.parseLong(seqColonHead.substring(0, colon)),
                seqColonHead.substring(colon + 1), Instant.EPOCH, "");
    }

    /** The inverse of {@link AuditChain#quote} for the escapes a replica name can contain. */
    static String unquote(String quoted) {
        String inner = quoted.substring(1, quoted.length() - 1);
        if (inner.indexOf('\\') < 0) {
            return inner;
        }
        StringBuilder b = new StringBuilder(inner.length());
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\\' && i + 1 < inner.length()) {
                char n = inner.charAt(++i);
                switch (n) {
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(inner.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> b.append(n);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
