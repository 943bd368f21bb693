package io.extractionguard.gateway.enforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class CaseSigningKeyTest {

    @Test
    void aConfiguredPrivateKeyYieldsItsOwnPublicKey() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair loaded = CaseSigningKey.load(Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        assertThat(loaded.getPublic().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        assertThatThrownBy(() -> CaseSigningKey.load("bm90IGEga2V5")).hasMessageContaining("case-signing-key");
    }
}
