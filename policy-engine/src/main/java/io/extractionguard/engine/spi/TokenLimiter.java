package io.extractionguard.engine.spi;

import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.limits.TokenOutcome;

/**
 * Token budgets per account: input and output tokens the model may serve over rolling windows.
 *
 * <p><b>Reserve, then reconcile.</b> A request is admitted while its account's budget is not spent
 * (at least one token left in every budgeted direction), and its bound is <em>reserved</em> at once:
 * its {@code max_tokens} (or the tier's default) of output and its estimated input
 * ({@link #reserve}). When the response reports its usage, the reservation is reconciled
 * ({@link #settle}): the unused part goes back, an excess (an input estimate too low) is charged.
 * A request that fails or is abandoned is settled with what was streamed. So N requests started at
 * once cannot all pass against the same remaining budget: each takes its bound, and an account
 * exceeds a budget by at most one reservation (the last one admitted drives the bucket into debt).
 *
 * <p>A risk factor below 1 tightens the budget by making each token cost {@code 1/factor}.
 * Implementations must not block on remote I/O on the caller's thread.
 */
public interface TokenLimiter {

    /** Whether the account may start a request under {@code budget} at {@code factor}; consumes nothing. */
    TokenOutcome check(String accountId, TokenBudget budget, double factor);

    /**
     * Admits a request if no budgeted direction is spent, and reserves {@code inputTokens} and
     * {@code outputTokens} for it (the bucket may go negative by this reservation). A refused
     * request reserves nothing. Directions the budget does not limit are not reserved.
     */
    TokenOutcome reserve(String accountId, TokenBudget budget, double factor, long inputTokens, long outputTokens);

    /**
     * Reconciles what {@code admitted} reserved with the tokens actually served: returns the unused
     * part, charges the excess. {@code admitted} without a reservation (an observe-only admission)
     * is charged in full.
     *
     * @return the budgets' state afterwards
     */
    TokenOutcome settle(String accountId, TokenOutcome admitted, long inputTokens, long outputTokens);

    /**
     * Gives {@code admitted}'s reservation back, charging nothing ({@link #settle} with no usage, when
     * the caller does not need the budgets' state afterwards: replay, a request never answered).
     */
    default void release(String accountId, TokenOutcome admitted) {
        settle(accountId, admitted, 0, 0);
    }

    /** Tokens a charge of {@code tokens} costs at {@code factor}: {@code ceil(tokens / factor)}. */
    static long cost(long tokens, double factor) {
        double f = Math.min(1.0, Math.max(0.001, factor));
        return tokens <= 0 ? 0 : (long) Math.ceil(tokens / f);
    }
}
