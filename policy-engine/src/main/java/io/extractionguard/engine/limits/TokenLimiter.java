package io.extractionguard.engine.limits;

/**
 * Token budgets per account: input and output tokens the model may serve over rolling windows.
 *
 * <p><b>Charged after the fact.</b> How many tokens a response costs is known only once the
 * backend has produced it, so a request is admitted while its account's budget is not spent
 * ({@link #check}), and its usage is charged when the response reports it ({@link #charge}). The
 * response that crosses the budget is served in full and drives the bucket into debt; the
 * <em>next</em> request is refused until the debt has refilled. Over a window an account can
 * therefore exceed its budget by at most one response (bounded by its {@code max_tokens}), and
 * requests running concurrently when the budget is crossed all complete.
 *
 * <p>A risk factor below 1 tightens the budget by making each token cost {@code 1/factor}.
 * Implementations must not block on remote I/O on the caller's thread.
 */
public interface TokenLimiter {

    /** Whether the account may start a request under {@code budget} at {@code factor}; consumes nothing. */
    TokenOutcome check(String accountId, TokenBudget budget, double factor);

    /**
     * Charges tokens served to the account (the bucket may go negative) and returns the budget's
     * state afterwards. Directions the budget does not limit are not charged.
     */
    TokenOutcome charge(String accountId, TokenBudget budget, double factor, long inputTokens, long outputTokens);

    /** Tokens a charge of {@code tokens} costs at {@code factor}: {@code ceil(tokens / factor)}. */
    static long cost(long tokens, double factor) {
        double f = Math.min(1.0, Math.max(0.001, factor));
        return tokens <= 0 ? 0 : (long) Math.ceil(tokens / f);
    }
}
