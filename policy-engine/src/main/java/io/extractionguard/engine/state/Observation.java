package io.extractionguard.engine.state;

import io.extractionguard.engine.features.RequestFeatures;

/**
 * What one request adds to its account's profile. Observations are the unit of change: a
 * shared store can ship them to other replicas and apply them there in any order.
 *
 * @param atMillis              arrival time (trace or wall clock), epoch milliseconds
 * @param features              the request's features
 * @param templateSimilarity    similarity at or above which two prompts count as one template
 */
public record Observation(long atMillis, RequestFeatures features, double templateSimilarity) {
}
