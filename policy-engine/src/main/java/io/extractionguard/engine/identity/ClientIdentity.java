package io.extractionguard.engine.identity;

import java.time.Instant;

/**
 * Who is calling, as far as the guard can tell. Never holds the raw credential.
 *
 * @param accountId          the account: from the trusted edge, else derived from the credential hash
 * @param source             how the account was established
 * @param credentialHash     keyed hash of the credential, null when none was sent
 * @param orgId              organisation, null when unknown
 * @param tier               tier name as sent by the edge (validated against the policy later), null when absent
 * @param accountCreated     account creation time, null when unknown
 * @param paymentFingerprint opaque payment-instrument fingerprint, null when unknown
 * @param clientJa4          TLS client fingerprint computed by the edge, null when unknown
 * @param userAgent          client software, null when absent
 * @param clientIp           client address after walking trusted proxies
 * @param strippedHeaders    identity headers that were sent but ignored (untrusted peer or invalid value)
 */
public record ClientIdentity(
        String accountId,
        Source source,
        String credentialHash,
        String orgId,
        String tier,
        Instant accountCreated,
        String paymentFingerprint,
        String clientJa4,
        String userAgent,
        String clientIp,
        int strippedHeaders) {

    /** How the account id was obtained. */
    public enum Source {
        /** {@code x-account-id} from a trusted proxy. */
        TRUSTED_HEADER,
        /** Keyed hash of the API key. */
        CREDENTIAL,
        /** Neither: keyed hash of the client address. */
        ANONYMOUS
    }
}
