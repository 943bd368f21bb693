package io.extractionguard.gateway.state;

/**
 * The shared state store could not answer an operation that needs it (an unreachable Redis, a
 * timeout). Callers apply the route's {@link OutageMode}: fall back to local state, or refuse.
 */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
