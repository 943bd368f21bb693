package io.extractionguard.gateway.state;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Applies a route's {@link OutageMode} while the shared store is unreachable and counts what
 * happened ({@code guard.state.outage.requests}, tagged by route, mode and outcome), so an outage's
 * effect on traffic is visible, not an accident of error handling.
 */
@Component
public class OutageGate {

    private final StoreAvailability availability;
    private final MeterRegistry meters;

    public OutageGate(ObjectProvider<StoreAvailability> availability, MeterRegistry meters) {
        this.availability = availability.getIfAvailable(() -> StoreAvailability.ALWAYS);
        this.meters = meters;
    }

    /** Whether the request may be evaluated; false means answer 503. */
    public boolean admit(String route, OutageMode mode) {
        if (availability.available()) {
            return true;
        }
        boolean open = mode != OutageMode.FAIL_CLOSED;
        Counter.builder("guard.state.outage.requests")
                .description("Inference requests that arrived while the shared state store was unreachable")
                .tag("route", route)
                .tag("mode", open ? "fail-open" : "fail-closed")
                .tag("outcome", open ? "served-locally" : "refused")
                .register(meters)
                .increment();
        return open;
    }
}
