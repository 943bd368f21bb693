package io.extractionguard.engine.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret that keys the audit chain and signs its checkpoints (HMAC-SHA256). Whoever lacks it
 * cannot produce a record or checkpoint the verifier accepts, so a file rewritten wholesale fails.
 * Never printed.
 */
public final class AuditKey {

    /** Shortest accepted secret, in bytes (the HMAC-SHA256 block size's half: 256 bits). */
    public static final int MIN_BYTES = 32;

    private final SecretKeySpec spec;

    private AuditKey(byte[] secret) {
        this.spec = new SecretKeySpec(secret, "HmacSHA256");
    }

    /**
     * A key from its secret text (a Secret's value, UTF-8).
     *
     * @throws IllegalArgumentException when shorter than {@value #MIN_BYTES} bytes, naming {@code source}
     */
    public static AuditKey of(String secret, String source) {
        byte[] bytes = secret.strip().getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_BYTES) {
            throw new IllegalArgumentException(source + ": the audit key must be at least " + MIN_BYTES
                    + " bytes, was " + bytes.length + " (generate one with: openssl rand -hex 32)");
        }
        return new AuditKey(bytes);
    }

    /** A key from a file holding its secret text (trailing white space ignored). */
    public static AuditKey readFile(Path file) throws IOException {
        return of(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** HMAC-SHA256 of {@code text}'s UTF-8 bytes, hex. */
    public String mac(CharSequence text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(spec);
            return HexFormat.of().formatHex(mac.doFinal(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "AuditKey[redacted]";
    }
}
