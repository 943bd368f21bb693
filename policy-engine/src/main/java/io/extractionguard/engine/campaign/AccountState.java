package io.extractionguard.engine.campaign;

/**
 * An account's correlation state right after one of its requests.
 *
 * @param templateShare time-decayed mean template strength of its requests, shrunk by a prior
 * @param cadenceKey    its {@link IndicatorKind#TIMING} value when its cadence is machine-regular, else 0
 */
public record AccountState(double templateShare, long cadenceKey) {
}
