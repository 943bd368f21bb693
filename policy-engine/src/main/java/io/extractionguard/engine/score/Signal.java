package io.extractionguard.engine.score;

import io.extractionguard.engine.action.Mode;

/**
 * One risk signal. Its strength in [0, 1] times its weight is its contribution to the score.
 * The id is a stable, machine-readable reason name (it appears in decisions, logs and metrics).
 */
public interface Signal {

    String id();

    double weight();

    Mode mode();

    /** Strength in [0, 1]; 0 when the signal has too little evidence. */
    double strength(SignalContext context);
}
