package io.extractionguard.engine.decision;

import io.extractionguard.engine.campaign.RequestIndicators;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.policy.Policy;

/**
 * A request with its features extracted under one policy: the order-independent half of a
 * decision, which callers may compute on any thread before deciding requests in arrival order.
 */
public record PreparedRequest(GuardRequest request, Policy policy, RequestFeatures features,
                              RequestIndicators indicators) {
}
