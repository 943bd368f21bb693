package io.extractionguard.engine.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy that failed to load, carrying every error found (not just the first). */
public final class PolicyException extends Exception {

    private final transient List<PolicyError> errors;

    public PolicyException(List<PolicyError> errors) {
        super(errors.size() + (errors.size() == 1 ? " error" : " errors") + " in policy:\n"
                + errors.stream().map(e -> "  " + e).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<PolicyError> errors() {
        return errors;
    }
}
