package io.extractionguard.gateway.enforce;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Campaign-wide enforcement and the identity-verification (KYC) callback ({@code docs/intel.md}).
 *
 * @param webhookUrl    where penalised accounts are sent as JSON lines (billing, identity systems); empty: none
 * @param webhookKey    HMAC-SHA256 key signing those posts ({@code x-guard-signature}); from a Secret
 * @param kycKey        HMAC-SHA256 key the KYC system signs its callbacks with; from a Secret; empty: callback off
 * @param kycMaxSkew    how far a callback's timestamp may be from now (older ones are replays)
 * @param caseSigningKey Ed25519 private key signing case files (base64 PKCS#8, from a Secret); empty: one per process (warned)
 */
@ConfigurationProperties("guard.enforcement")
public record EnforcementProperties(@DefaultValue("") String webhookUrl, @DefaultValue("") String webhookKey,
                                    @DefaultValue("") String kycKey, @DefaultValue("5m") Duration kycMaxSkew,
                                    @DefaultValue("") String caseSigningKey) {

    /** Never the keys (records print their components). */
    @Override
    public String toString() {
        return "EnforcementProperties[webhookUrl=" + webhookUrl + ", webhookKey=" + (webhookKey.isEmpty() ? "" : "***")
                + ", kycKey=" + (kycKey.isEmpty() ? "" : "***") + ", kycMaxSkew=" + kycMaxSkew + ", caseSigningKey="
                + (caseSigningKey.isEmpty() ? "" : "***") + "]";
    }
}
