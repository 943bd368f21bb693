package io.extractionguard.gateway.enforce;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Ed25519 key pair that signs case files: from {@code guard.enforcement.case-signing-key}, else made at start-up. */
public final class CaseSigningKey {

    private static final Logger log = LoggerFactory.getLogger(CaseSigningKey.class);

    private CaseSigningKey() {
    }

    public static KeyPair load(String base64Pkcs8) {
        try {
            if (base64Pkcs8.isBlank()) {
                log.warn("guard.enforcement.case-signing-key is not set: case files are signed with a key made for this "
                        + "process only (publish a stable key: docs/intel.md, \"Case files\")");
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            KeyFactory f = KeyFactory.getInstance("Ed25519");
            PrivateKey priv = f.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64Pkcs8.trim())));
            return new KeyPair(publicOf(priv, f), priv);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("guard.enforcement.case-signing-key: not a base64 PKCS#8 Ed25519 private key", e);
        }
    }

    /**
     * The public key of an Ed25519 private key: the JDK has no direct derivation, but its generator
     * takes the private key bytes from its random source, so feeding it those bytes rebuilds the pair.
     */
    private static PublicKey publicOf(PrivateKey priv, KeyFactory f) throws GeneralSecurityException {
        byte[] seed = ((EdECPrivateKey) priv).getBytes().orElseThrow();
        KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        g.initialize(NamedParameterSpec.ED25519, new FixedRandom(seed));
        return g.generateKeyPair().getPublic();
    }

    /** Returns {@code seed} as the generator's random bytes, so it rebuilds the key pair of that private key. */
    private static final class FixedRandom extends java.security.SecureRandom {
        private final byte[] seed;

        FixedRandom(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
        }
    }
}
