package io.extractionguard.gateway.state;

/**
 * Whether the shared state store can be reached right now. The in-memory store is always
 * available; the Redis store is not while Redis is down (requests are then served from local
 * state, or refused on routes configured {@code redis-outage: fail-closed}).
 */
public interface StoreAvailability {

    StoreAvailability ALWAYS = () -> true;

    boolean available();
}
