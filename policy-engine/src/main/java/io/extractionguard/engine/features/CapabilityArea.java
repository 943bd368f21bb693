package io.extractionguard.engine.features;

import java.util.Optional;

/**
 * Capability areas that distillation campaigns target. The lexicons that recognise each area come
 * from the policy file; the set of areas is fixed so profiles stay compact and comparable.
 */
public enum CapabilityArea {
    CODING("coding"),
    AGENTIC("agentic"),
    PLANNING("planning"),
    REASONING("reasoning");

    private final String id;

    CapabilityArea(String id) {
        this.id = id;
    }

    /** The name used in policy files and explanations. */
    public String id() {
        return id;
    }

    public int bit() {
        return 1 << ordinal();
    }

    public static Optional<CapabilityArea> byId(String id) {
        for (CapabilityArea area : values()) {
            if (area.id.equals(id)) {
                return Optional.of(area);
            }
        }
        return Optional.empty();
    }
}
