package io.extractionguard.gateway.enforce;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code x-guard-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">} header of
 * enforcement webhooks and KYC callbacks: the timestamp is signed with the body, so a captured
 * request cannot be replayed later with a fresh timestamp.
 */
public final class HmacSignature {

    public static final String HEADER = "x-guard-signature";

    private HmacSignature() {
    }

    public static String sign(byte[] key, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac(key, unixSeconds, body));
    }

    /** The signed timestamp, if {@code header} is a valid signature of {@code body} under {@code key}. */
    public static Optional<Long> verify(byte[] key, String header, byte[] body) {
        if (header == null) {
            return Optional.empty();
        }
        Long t = null;
        byte[] given = null;
        for (String part : header.split(",")) {
            String p = part.trim();
            try {
                if (p.startsWith("t=")) {
                    t = Long.parseLong(p.substring(2));
                } else if (p.startsWith("v1=")) {
                    given = HexFormat.of().parseHex(p.substring(3));
                }
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return t != null && given != null && MessageDigest.isEqual(given, mac(key, t, body)) ? Optional.of(t) : Optional.empty();
    }

    private static byte[] mac(byte[] key, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
