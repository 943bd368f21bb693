package io.extractionguard.engine.operator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Operator tokens of the admin API: random bearer tokens of which the gateway's configuration holds
 * only the SHA-256. A fast hash is enough because the tokens are 256 random bits, not passwords: the
 * hash can be neither reversed nor guessed, so a configuration dump or a leaked ConfigMap does not
 * give anyone access. The {@code egop_} prefix lets secret scanners recognise a leaked token.
 */
public final class OperatorTokens {

    /** Prefix of generated tokens. */
    public static final String PREFIX = "egop_";

    private static final SecureRandom RANDOM = new SecureRandom();

    private OperatorTokens() {
    }

    /** A new token: {@value #PREFIX} and 32 random bytes, base64url without padding. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The SHA-256 of the token's UTF-8 bytes: what the configuration holds. */
    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #sha256} as 64 lower-case hex digits ({@code printf %s "$TOKEN" | sha256sum} gives the same). */
    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }
}
