package io.extractionguard.engine.campaign;

import java.util.Map;

import io.extractionguard.engine.action.Mode;

/**
 * How much one {@link IndicatorKind} weighs in a policy.
 *
 * @param weight points at full strength (0–100)
 * @param mode   ENFORCE, or SHADOW to report without counting
 * @param params the kind's parameters, defaults filled in (durations in milliseconds)
 */
public record IndicatorSettings(double weight, Mode mode, Map<String, Double> params) {

    public IndicatorSettings {
        params = Map.copyOf(params);
    }

    public double param(String name) {
        Double v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return v;
    }
}
