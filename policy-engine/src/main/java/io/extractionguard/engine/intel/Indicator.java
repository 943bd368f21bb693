package io.extractionguard.engine.intel;

import java.time.Instant;

/**
 * An attack indicator exchanged with other labs: what to match, how sure the source is, for how
 * long, and who said so. Never carries raw prompts or API keys: payment and client fingerprints are
 * opaque, prompt templates travel as similarity sketches.
 *
 * @param id         STIX id ({@code indicator--<uuid>})
 * @param kind       what {@code value} is
 * @param value      payment fingerprint, JA4, CIDR prefix, or hex prompt-sketch signature
 * @param confidence 0–100 (STIX confidence scale)
 * @param validFrom  start of validity
 * @param validUntil end of validity (null: no stated end; imports cap it, see {@link StixBundles})
 * @param source     producer name (the STIX identity's name)
 * @param sourceId   producer STIX id ({@code identity--<uuid>})
 * @param name       short human description
 */
public record Indicator(String id, Kind kind, String value, int confidence, Instant validFrom, Instant validUntil,
                        String source, String sourceId, String name) {

    public enum Kind {
        /** Opaque fingerprint of a payment instrument ({@code x-extraction-guard-payment:fingerprint}). */
        PAYMENT_FINGERPRINT,
        /** TLS client fingerprint ({@code x-extraction-guard-client:ja4}). */
        CLIENT_JA4,
        /** An IPv4 or IPv6 network ({@code ipv4-addr:value ISSUBSET 'a.b.c.0/24'}). */
        IP_PREFIX,
        /** A prompt-template similarity sketch ({@code x-extraction-guard-prompt:template_sketch}). */
        PROMPT_TEMPLATE
    }

    public boolean isValidAt(Instant now) {
        return !now.isBefore(validFrom) && (validUntil == null || now.isBefore(validUntil));
    }
}
