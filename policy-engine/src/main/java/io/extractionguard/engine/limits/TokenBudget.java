package io.extractionguard.engine.limits;

/**
 * Token budgets of an account tier: how many input (prompt) and output (completion) tokens the
 * model may serve an account per rolling minute and per rolling day. A zero means "no budget over
 * that window". Budgets are charged after the fact, when a response's usage is known (see
 * {@link TokenLimiter}).
 *
 * @param inputPerMinute  input tokens per rolling minute
 * @param inputPerDay     input tokens per rolling day
 * @param outputPerMinute output tokens per rolling minute
 * @param outputPerDay    output tokens per rolling day
 */
public record TokenBudget(long inputPerMinute, long inputPerDay, long outputPerMinute, long outputPerDay) {

    /** No token budget at all. */
    public static final TokenBudget NONE = new TokenBudget(0, 0, 0, 0);

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
