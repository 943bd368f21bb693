package io.extractionguard.engine.spi;

import java.time.Instant;
import java.util.Optional;

import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.Verdict;

/**
 * Where the engine keeps what it learns about accounts. The in-memory implementation serves
 * replay and the embedded gateway; a shared implementation (Redis behind a near cache) lets every
 * replica see the same profiles and verdicts.
 *
 * <p>Implementations must answer from local memory: the engine calls them on the request path and
 * must never wait for a network round trip here. Remote writes happen behind, in batches.
 */
public interface StateStore {

    /**
     * Applies an observation to the account's profile (creating it on first sight) and returns the
     * profile's summary after the change.
     */
    ProfileStats observe(String accountId, Observation observation, double evidencePrior);

    /** The account's profile summary without changing it, or empty when the account is unknown. */
    Optional<ProfileStats> peek(String accountId, Instant now, double evidencePrior);

    /** Adds served output/input tokens, known only after the response, to the account's profile. */
    void recordUsage(String accountId, long atMillis, long inputTokens, long outputTokens);

    /** The account's active verdict, if any. */
    Optional<Verdict> verdict(String accountId, Instant now);

    /** Sets (or replaces) the account's verdict. */
    void putVerdict(String accountId, Verdict verdict);

    /** Removes the account's verdict; returns whether one was active. */
    boolean clearVerdict(String accountId, Instant now);
}
