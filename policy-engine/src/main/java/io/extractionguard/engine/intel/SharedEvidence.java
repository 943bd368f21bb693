package io.extractionguard.engine.intel;

import java.time.Instant;

/**
 * An indicator of this engine's own campaign evidence, as exported: the indicator (first seen at
 * its {@code validFrom}), when it was last seen and how many flagged requests showed it. In STIX the
 * indicator's {@code created} is its first sight and never changes; {@code modified} is its last
 * sight, the last time its content (confidence, validity) could have changed.
 */
public record SharedEvidence(Indicator indicator, Instant lastSeen, long sightings) {

    /** Evidence seen once, at the indicator's {@code validFrom}. */
    public static SharedEvidence once(Indicator indicator) {
        return new SharedEvidence(indicator, indicator.validFrom(), 1);
    }
}
