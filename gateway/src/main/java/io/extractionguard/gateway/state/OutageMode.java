package io.extractionguard.gateway.state;

/** What a route does while the shared state store is unreachable. */
public enum OutageMode {
    /** Keep serving from local state and local rate limits (the default); health reports DEGRADED. */
    FAIL_OPEN,
    /** Refuse inference requests with 503 in the API's error format until the store is back. */
    FAIL_CLOSED
}
