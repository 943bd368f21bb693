package io.extractionguard.engine.limits;

/**
 * Token budgets of an account tier: how many input (prompt) and output (completion) tokens the
 * model may serve an account per rolling minute and per rolling day. A zero means "no budget over
 * that window". A request reserves its bound at admission and is reconciled with its usage when the
 * response reports it (see {@link TokenLimiter}).
 *
 * @param inputPerMinute       input tokens per rolling minute
 * @param inputPerDay          input tokens per rolling day
 * @param outputPerMinute      output tokens per rolling minute
 * @param outputPerDay         output tokens per rolling day
 * @param defaultOutputReserve output tokens reserved for a request that sets no {@code max_tokens}
 */
public record TokenBudget(long inputPerMinute, long inputPerDay, long outputPerMinute, long outputPerDay,
                          long defaultOutputReserve) {

    /** Reserved for a request without {@code max_tokens} unless the tier says otherwise. */
    public static final long DEFAULT_OUTPUT_RESERVE = 4096;

    /** No token budget at all. */
    public static final TokenBudget NONE = new TokenBudget(0, 0, 0, 0);

    public TokenBudget(long inputPerMinute, long inputPerDay, long outputPerMinute, long outputPerDay) {
        this(inputPerMinute, inputPerDay, outputPerMinute, outputPerDay, DEFAULT_OUTPUT_RESERVE);
    }

    /** The output tokens a request asking for {@code maxOutputTokens} (-1: unset) reserves. */
    public long outputReserve(long maxOutputTokens) {
        return maxOutputTokens > 0 ? maxOutputTokens : defaultOutputReserve;
    }

    public boolean limitsInput() {
        return inputPerMinute > 0 || inputPerDay > 0;
    }

    public boolean limitsOutput() {
        return outputPerMinute > 0 || outputPerDay > 0;
    }

    public boolean unlimited() {
        return !limitsInput() && !limitsOutput();
    }
}
