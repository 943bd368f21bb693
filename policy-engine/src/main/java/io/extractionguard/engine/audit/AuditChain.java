package io.extractionguard.engine.audit;

import java.time.Instant;

/**
 * Links audit records into a keyed hash chain so that editing, removing or reordering any line of
 * an audit file, or rewriting it without the key, is detectable. Each line is a JSON object whose
 * fields come in a fixed order and whose last field is {@code "hash"}:
 *
 * <pre>{"seq":7,"ts":"…","replica":"gw-1","kind":"operator","data":{…},"prev":"&lt;hash of line 6&gt;","hash":"&lt;hmac&gt;"}</pre>
 *
 * <p>{@code hash} is the HMAC-SHA256 (hex, under the {@link AuditKey}) of the line's UTF-8 bytes
 * without the {@code ,"hash":…} member, i.e. of {@code {"seq":…,"prev":"…"}}; {@code prev} is the
 * previous line's hash (64 zeros for record 1, the chain's genesis). Cutting the head shows as a
 * chain not starting at genesis; cutting the tail needs the {@link AuditCheckpoint}s published
 * elsewhere. Not thread-safe: one writer appends.
 */
public final class AuditChain {

    /** The {@code prev} of a chain's first record. */
    public static final String GENESIS = "0".repeat(64);

    private final String replica;
    private final AuditKey key;
    private long seq;
    private String lastHash;

    /** Starts a new chain, or continues one whose last record had {@code lastSeq} and {@code lastHash}. */
    public AuditChain(String replica, AuditKey key, long lastSeq, String lastHash) {
        this.replica = replica;
        this.key = key;
        this.seq = lastSeq;
        this.lastHash = lastHash;
    }

    public static AuditChain start(String replica, AuditKey key) {
        return new AuditChain(replica, key, 0, GENESIS);
    }

    /**
     * Builds the next line (without a trailing newline) for a record of {@code kind} whose payload is
     * the JSON object text {@code dataJson}, and advances the chain.
     */
    public String append(Instant ts, String kind, String dataJson) {
        StringBuilder body = new StringBuilder(dataJson.length() + 160);
        body.append("{\"seq\":").append(seq + 1)
                .append(",\"ts\":\"").append(ts).append('"')
                .append(",\"replica\":").append(quote(replica))
                .append(",\"kind\":").append(quote(kind))
                .append(",\"data\":").append(dataJson)
                .append(",\"prev\":\"").append(lastHash).append("\"}");
        String hash = key.mac(body);
        seq++;
        lastHash = hash;
        body.setLength(body.length() - 1);
        return body.append(",\"hash\":\"").append(hash).append("\"}").toString();
    }

    public long seq() {
        return seq;
    }

    public String lastHash() {
        return lastHash;
    }

    public String replica() {
        return replica;
    }

    /** A signed checkpoint of the chain's head now. */
    public AuditCheckpoint checkpoint(Instant ts) {
        return AuditCheckpoint.sign(key, replica, seq, lastHash, ts);
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
