package io.extractionguard.gateway.challenge;

import java.time.Instant;

import io.extractionguard.engine.spi.ChallengeLedger;

/**
 * A {@link ChallengeLedger} shared by replicas through a store that needs a network round trip for
 * what must be exact across replicas: redeeming a nonce, and taking a request from an account's
 * pass. {@link #redeem} and {@link #reserve} block (bounded by the store's timeout) and are called
 * only on a worker thread, and only for requests that carry an otherwise valid solution (signature,
 * expiry, account and difficulty are checked first, on the calling thread) or whose account holds a
 * shared pass with no request reserved on this replica. {@link #consumePass}, which the engine
 * calls while deciding, answers from local memory: it takes a reserved request.
 */
public interface RemoteChallengeLedger extends ChallengeLedger {

    /**
     * {@inheritDoc}
     *
     * @throws io.extractionguard.gateway.state.StoreUnavailableException when the shared store does
     *         not answer (the caller applies the route's outage mode)
     */
    @Override
    boolean redeem(String nonce, Instant expiresAt);

    /** Whether the account holds a shared pass with no request reserved here. Local memory only. */
    boolean needsReservation(String accountId, Instant now);

    /**
     * Reserves one request of the account's shared pass for this replica, if any is left. Blocking:
     * worker threads only. When the store does not answer, nothing is reserved (the request is
     * challenged again).
     */
    void reserve(String accountId, Instant now);

    /** Where nonces are redeemed while the shared store is unreachable on a fail-open route. */
    ChallengeLedger outageFallback();
}
