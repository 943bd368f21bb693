package io.extractionguard.gateway.usage;

/**
 * Tokens one response cost.
 *
 * @param inputTokens  prompt tokens the model read (cache reads and writes included)
 * @param outputTokens tokens the model produced
 * @param reported     true when both figures come from the response's own usage; false when the
 *                     response ended before its final usage and (part of) the figures are estimates
 */
public record Usage(long inputTokens, long outputTokens, boolean reported) {
}
