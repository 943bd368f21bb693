package io.extractionguard.engine.score;

import java.time.Instant;

import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.state.ProfileStats;

/** Everything a signal may read about the request being decided. */
public record SignalContext(ClientIdentity identity, RequestFeatures features, ProfileStats stats,
                            TierLimits tier, Instant now) {
}
