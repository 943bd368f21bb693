package io.extractionguard.engine.enforce;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A case file an abuse or legal team can hand on: the case content, its SHA-256 and an Ed25519
 * signature, verifiable offline ({@code policy-engine-cli case-verify}). Hash and signature cover
 * the content's canonical form (object members sorted by name, no whitespace), so the file may be
 * pretty-printed or re-indented, but any change to a value, a name or the structure fails
 * verification. Format {@value #FORMAT}:
 * <pre>{"format": …, "sha256": hex, "signature": {"alg": "Ed25519", "publicKey": base64 X.509, "value": base64}, "case": {…}}</pre>
 */
public final class CaseFile {

    public static final String FORMAT = "extraction-guard-case/1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The outcome of a verification, with the signing key's fingerprint (SHA-256 of its encoding, hex). */
    public record Verification(boolean valid, String message, String keyFingerprint) {
    }

    private CaseFile() {
    }

    /** {@code content} signed with {@code key}. */
    public static ObjectNode sign(ObjectNode content, KeyPair key) {
        byte[] canonical = canonical(content);
        ObjectNode file = JSON.createObjectNode().put("format", FORMAT).put("sha256", sha256Hex(canonical));
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.getPrivate());
            s.update(canonical);
            file.putObject("signature").put("alg", "Ed25519")
                    .put("publicKey", Base64.getEncoder().encodeToString(key.getPublic().getEncoded()))
                    .put("value", Base64.getEncoder().encodeToString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the case file: " + e.getMessage(), e);
        }
        file.set("case", content);
        return file;
    }

    /**
     * Verifies a case file's bytes. With {@code pinned} the signature must be that key's (the
     * publisher's key, obtained out of band); without, the file is only checked against the key it
     * carries, which proves integrity but not who signed it.
     */
    public static Verification verify(byte[] file, Optional<PublicKey> pinned) {
        JsonNode root;
        try {
            root = JSON.readTree(file);
        } catch (JacksonException e) {
            return new Verification(false, "not JSON: " + e.getOriginalMessage(), null);
        }
        if (root == null || !FORMAT.equals(root.path("format").asString(null)) || !root.path("case").isObject()) {
            return new Verification(false, "not a case file (format " + FORMAT + ")", null);
        }
        byte[] canonical = canonical(root.get("case"));
        String fingerprint = null;
        try {
            byte[] encoded = Base64.getDecoder().decode(root.path("signature").path("publicKey").asString(""));
            PublicKey carried = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
            fingerprint = sha256Hex(encoded);
            if (pinned.isPresent() && !MessageDigest.isEqual(pinned.get().getEncoded(), encoded)) {
                return new Verification(false, "signed by key " + fingerprint + ", not the pinned key "
                        + sha256Hex(pinned.get().getEncoded()), fingerprint);
            }
            if (!sha256Hex(canonical).equals(root.path("sha256").asString(""))) {
                return new Verification(false, "content does not match its SHA-256: the case was changed", fingerprint);
            }
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(carried);
            s.update(canonical);
            if (!s.verify(Base64.getDecoder().decode(root.path("signature").path("value").asString("")))) {
                return new Verification(false, "signature does not verify", fingerprint);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return new Verification(false, "bad signature block: " + e.getMessage(), fingerprint);
        }
        return new Verification(true, pinned.isPresent() ? "valid, signed by the pinned key " + fingerprint
                : "valid (integrity only: pin the publisher's key with --public-key to check who signed it) key "
                + fingerprint, fingerprint);
    }

    /** A public key given as base64 of its X.509 encoding (what {@code GET /admin/cases/public-key} returns). */
    public static PublicKey publicKey(String base64) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder()
                .decode(base64.trim())));
    }

    /** Members sorted by name at every level, compact. */
    static byte[] canonical(JsonNode node) {
        return JSON.writeValueAsString(sorted(node)).getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
            fields.sort(Map.Entry.comparingByKey());
            fields.forEach(e -> out.set(e.getKey(), sorted(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(n -> out.add(sorted(n)));
            return out;
        }
        return node;
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
