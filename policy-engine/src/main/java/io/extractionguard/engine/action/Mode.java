package io.extractionguard.engine.action;

/** Whether a policy, band or signal acts, or only records what it would have done. */
public enum Mode {
    ENFORCE,
    SHADOW
}
