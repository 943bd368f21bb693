package io.extractionguard.engine.campaign;

/**
 * What one correlation run did, for logs and metrics.
 *
 * @param atMillis       when it ran (engine clock)
 * @param population     active accounts rarity was measured against
 * @param valuesUpdated  indicator values whose rarity was recomputed
 */
public record CorrelationReport(long atMillis, double population, int valuesUpdated) {
}
