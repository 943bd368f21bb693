package io.extractionguard.engine.policy;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The active policy, swapped atomically: a request sees either the old or the new policy, never a
 * mix. Only validated policies can be installed, so the last good one stays until a good one replaces it.
 */
public final class PolicyHolder implements Supplier<Policy> {

    private final AtomicReference<Policy> current;

    public PolicyHolder(Policy initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial policy"));
    }

    @Override
    public Policy get() {
        return current.get();
    }

    /** Installs {@code next}; returns the policy it replaced. */
    public Policy swap(Policy next) {
        return current.getAndSet(Objects.requireNonNull(next, "policy"));
    }
}
