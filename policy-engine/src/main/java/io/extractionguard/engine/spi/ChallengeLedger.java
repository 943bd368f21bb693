package io.extractionguard.engine.spi;

import java.time.Instant;

/**
 * What the guard remembers about challenges, shared by all replicas in a deployment: which
 * challenge nonces were already redeemed (so a solution is accepted once), and the passes that
 * redeemed solutions granted (a bounded number of requests for an account).
 *
 * <p>Like the state store, implementations answer from local memory on the request path; a shared
 * implementation replicates behind.
 */
public interface ChallengeLedger {

    /**
     * Records {@code nonce} as redeemed until {@code expiresAt}.
     *
     * @return false when it was redeemed before (a replayed solution)
     */
    boolean redeem(String nonce, Instant expiresAt);

    /** Grants {@code requests} requests to the account until {@code expiresAt} (replacing an earlier pass). */
    void grantPass(String accountId, int requests, Instant expiresAt);

    /**
     * Takes one request from the account's pass.
     *
     * @return whether the account had a valid pass with requests left
     */
    boolean consumePass(String accountId, Instant now);

    /**
     * Takes {@code requests} requests from the account's pass, all or none: a batch's items count
     * as that many single requests. A ledger that cannot take several at once atomically admits no
     * batch of more than one item (fails closed).
     *
     * @return whether the pass had that many requests left
     */
    default boolean consumePasses(String accountId, Instant now, int requests) {
        return requests == 1 && consumePass(accountId, now);
    }
}
