package io.extractionguard.engine.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Links audit records into a hash chain so that editing, removing or reordering any line of an
 * audit file is detectable. Each line is a JSON object whose fields come in a fixed order and whose
 * last field is {@code "hash"}:
 *
 * <pre>{"seq":7,"ts":"…","replica":"gw-1","kind":"operator","data":{…},"prev":"&lt;hash of line 6&gt;","hash":"&lt;sha256&gt;"}</pre>
 *
 * <p>{@code hash} is the SHA-256 (hex) of the line's UTF-8 bytes without the {@code ,"hash":…}
 * member, i.e. of {@code {"seq":…,"prev":"…"}}; {@code prev} is the previous line's hash (64
 * zeros for the first record of a chain). Not thread-safe: one writer appends.
 */
public final class AuditChain {

    /** The {@code prev} of a chain's first record. */
    public static final String GENESIS = "0".repeat(64);

    private final String replica;
    private long seq;
    private String lastHash;

    /** Starts a new chain, or continues one whose last record had {@code lastSeq} and {@code lastHash}. */
    public AuditChain(String replica, long lastSeq, String lastHash) {
        this.replica = replica;
        this.seq = lastSeq;
        this.lastHash = lastHash;
    }

    public static AuditChain start(String replica) {
        return new AuditChain(replica, 0, GENESIS);
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
        String hash = sha256(body);
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

    static String sha256(CharSequence text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
