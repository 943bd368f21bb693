package io.extractionguard.engine.challenge;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.extractionguard.engine.spi.ChallengeLedger;

/**
 * Issues and verifies proof-of-work challenges (protocol: {@code docs/challenge.md}).
 *
 * <p>A challenge is the token {@code v1.<payload>.<signature>}: base64url (no padding) of
 * {@code <account>|<nonce>|<difficulty>|<expires-epoch-seconds>|<grants>} and of its HMAC-SHA256
 * under the gateway's challenge key. The client finds a {@code counter} such that
 * {@code SHA-256(token + ":" + counter)} starts with {@code difficulty} zero bits, and retries with
 * {@code <token>:<counter>}. Verification costs one HMAC and one SHA-256; the signature is compared
 * in constant time; a solution binds to the account the challenge was issued to, and the
 * {@link ChallengeLedger} accepts each nonce once.
 *
 * <p>Thread-safe.
 */
public final class ProofOfWork {

    /** Outcome of checking a submitted solution. */
    public enum Verdict {
        /** Valid, first use: the account gets its pass. */
        ACCEPTED,
        /** Not a well-formed {@code token:counter}. */
        MALFORMED,
        /** The signature does not verify (forged or altered token, or another deployment's key). */
        FORGED,
        /** The challenge has expired. */
        EXPIRED,
        /** Issued to another account. */
        WRONG_ACCOUNT,
        /** The counter does not produce enough leading zero bits. */
        WRONG_SOLUTION,
        /** The nonce was redeemed before. */
        REPLAYED
    }

    /** A freshly issued challenge. */
    public record Challenge(String token, int difficulty, Instant expiresAt, int grants) {
    }

    /** Where a solution was checked: the verdict and, when accepted, the pass it grants. */
    public record Check(Verdict verdict, int grants, Instant expiresAt) {
    }

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final byte[] key;
    private final SecureRandom random = new SecureRandom();
    private final ThreadLocal<Mac> mac;

    public ProofOfWork(byte[] key) {
        if (key == null || key.length < 32) {
            throw new IllegalArgumentException("the challenge HMAC key must be at least 32 bytes");
        }
        this.key = key.clone();
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    /**
     * Difficulty for a score: {@code minBits} at the challenge band's lower edge rising linearly to
     * {@code maxBits} at a score of 100. Each extra bit doubles the client's expected work.
     */
    public static int difficulty(double score, double bandMinScore, int minBits, int maxBits) {
        double span = Math.max(1e-9, 100 - bandMinScore);
        double t = Math.max(0, Math.min(1, (score - bandMinScore) / span));
        return (int) Math.round(minBits + t * (maxBits - minBits));
    }

    public Challenge issue(String accountId, int difficulty, Instant expiresAt, int grants) {
        if (accountId.indexOf('|') >= 0) {
            throw new IllegalArgumentException("account ids must not contain '|'");
        }
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String payload = accountId + "|" + B64.encodeToString(nonce) + "|" + difficulty + "|"
                + expiresAt.getEpochSecond() + "|" + grants;
        String encoded = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        String token = "v1." + encoded + "." + B64.encodeToString(sign(encoded));
        return new Challenge(token, difficulty, Instant.ofEpochSecond(expiresAt.getEpochSecond()), grants);
    }

    /**
     * Checks a submitted {@code <token>:<counter>} for {@code accountId} at {@code now}; on success the
     * nonce is redeemed in {@code ledger} (callers then grant the pass).
     */
    public Check verify(String submitted, String accountId, Instant now, ChallengeLedger ledger) {
        if (submitted == null || submitted.length() > 1024) {
            return new Check(Verdict.MALFORMED, 0, null);
        }
        int colon = submitted.lastIndexOf(':');
        String token = colon < 0 ? submitted : submitted.substring(0, colon);
        String counter = colon < 0 ? "" : submitted.substring(colon + 1);
        String[] parts = token.split("\\.", -1);
        if (colon < 0 || counter.isEmpty() || counter.length() > 32 || parts.length != 3 || !parts[0].equals("v1")) {
            return new Check(Verdict.MALFORMED, 0, null);
        }
        byte[] signature;
        String payload;
        try {
            signature = B64D.decode(parts[2]);
            payload = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Check(Verdict.MALFORMED, 0, null);
        }
        if (!MessageDigest.isEqual(sign(parts[1]), signature)) {
            return new Check(Verdict.FORGED, 0, null);
        }
        String[] fields = payload.split("\\|", -1);
        if (fields.length != 5) {
            return new Check(Verdict.MALFORMED, 0, null);
        }
        int difficulty;
        Instant expires;
        int grants;
        try {
            difficulty = Integer.parseInt(fields[2]);
            expires = Instant.ofEpochSecond(Long.parseLong(fields[3]));
            grants = Integer.parseInt(fields[4]);
        } catch (NumberFormatException e) {
            return new Check(Verdict.MALFORMED, 0, null);
        }
        if (!now.isBefore(expires)) {
            return new Check(Verdict.EXPIRED, 0, null);
        }
        if (!fields[0].equals(accountId)) {
            return new Check(Verdict.WRONG_ACCOUNT, 0, null);
        }
        if (leadingZeroBits(sha256(token + ":" + counter)) < difficulty) {
            return new Check(Verdict.WRONG_SOLUTION, 0, null);
        }
        if (!ledger.redeem(fields[1], expires)) {
            return new Check(Verdict.REPLAYED, 0, null);
        }
        return new Check(Verdict.ACCEPTED, grants, expires);
    }

    private byte[] sign(String encodedPayload) {
        return mac.get().doFinal(encodedPayload.getBytes(StandardCharsets.US_ASCII));
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static int leadingZeroBits(byte[] hash) {
        int bits = 0;
        for (byte b : hash) {
            if (b == 0) {
                bits += 8;
                continue;
            }
            return bits + Integer.numberOfLeadingZeros(b & 0xFF) - 24;
        }
        return bits;
    }
}
