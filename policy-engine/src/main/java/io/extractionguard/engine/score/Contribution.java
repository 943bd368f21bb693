package io.extractionguard.engine.score;

/**
 * What one signal added to a score.
 *
 * @param signal   the signal's reason id
 * @param strength how strongly it fired, in [0, 1]
 * @param points   strength × weight
 * @param shadow   whether the signal is in shadow mode (counted only in the shadow score)
 */
public record Contribution(String signal, double strength, double points, boolean shadow) {
}
