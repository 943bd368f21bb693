package io.extractionguard.engine.limits;

/**
 * The state of an account's token budgets: whether a request may start, and what is left of each
 * direction (for the {@code …-tokens-remaining} headers). {@link LimitOutcome} fields count tokens
 * here: {@code limit} is the binding window's budget at the base rate, {@code remaining} what is
 * left of it at the current (possibly risk-tightened) cost, floored at zero although the bucket may
 * be in debt after a large response.
 *
 * @param budget the budget that was consulted (kept so usage is charged against it)
 * @param factor the share of the budget this account is admitted to (risk tightening; 1 normally)
 * @param input  the input-token budget, {@link LimitOutcome#UNLIMITED} when the tier sets none
 * @param output the output-token budget, {@link LimitOutcome#UNLIMITED} when the tier sets none
 * @param reservedInput  input tokens reserved for the admitted request (base rate), to be reconciled
 * @param reservedOutput output tokens reserved for the admitted request (base rate), to be reconciled
 */
public record TokenOutcome(TokenBudget budget, double factor, LimitOutcome input, LimitOutcome output,
                           long reservedInput, long reservedOutput) {

    public TokenOutcome(TokenBudget budget, double factor, LimitOutcome input, LimitOutcome output) {
        this(budget, factor, input, output, 0, 0);
    }

    /** The outcome for a tier without token budgets. */
    public static final TokenOutcome UNLIMITED =
            new TokenOutcome(TokenBudget.NONE, 1.0, LimitOutcome.UNLIMITED, LimitOutcome.UNLIMITED);

    /** Whether the next request may start: no budgeted direction is spent. */
    public boolean allowed() {
        return input.allowed() && output.allowed();
    }

    public boolean isUnlimited() {
        return budget.unlimited();
    }

    /** When refused: seconds until every spent direction has tokens again; 0 otherwise. */
    public long retryAfterSeconds() {
        return Math.max(input.retryAfterSeconds(), output.retryAfterSeconds());
    }

    /**
     * The most restrictive direction: the one with the smaller share of its budget left (the
     * combined {@code tokens} headers report it), or {@link LimitOutcome#UNLIMITED}.
     */
    public LimitOutcome binding() {
        if (input.isUnlimited()) {
            return output;
        }
        if (output.isUnlimited()) {
            return input;
        }
        double inShare = (double) input.remaining() / input.limit();
        double outShare = (double) output.remaining() / output.limit();
        return inShare <= outShare ? input : output;
    }
}
