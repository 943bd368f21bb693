package io.extractionguard.engine.policy;

/**
 * What a DEGRADE band withholds from a request it still answers: the reasoning a distiller came
 * for. The gateway applies it to the forwarded request and to the response; the engine only decides.
 *
 * @param thinkingBudget  Anthropic extended thinking: 0 turns it off, otherwise its {@code budget_tokens}
 *                        are capped at this (≥ 1024, the API's minimum)
 * @param reasoningEffort OpenAI {@code reasoning_effort} / {@code reasoning.effort} is lowered to this
 *                        (none, minimal, low or medium) when the request asks for more
 * @param maxChoices      OpenAI {@code n} (and legacy Completions {@code best_of}) are reduced to this
 */
public record Degrade(int thinkingBudget, String reasoningEffort, int maxChoices) {

    /** Efforts in increasing order; a request's effort is lowered, never raised. */
    public static final java.util.List<String> EFFORTS = java.util.List.of("none", "minimal", "low", "medium", "high",
            "xhigh");

    /** Thinking off, effort low, one choice. */
    public static final Degrade DEFAULT = new Degrade(0, "low", 1);

    public Degrade {
        if (thinkingBudget != 0 && thinkingBudget < 1024) {
            throw new IllegalArgumentException("thinking budget is 0 (off) or at least 1024, was " + thinkingBudget);
        }
        if (!EFFORTS.contains(reasoningEffort)) {
            throw new IllegalArgumentException("reasoning effort is one of " + EFFORTS + ", was " + reasoningEffort);
        }
        if (maxChoices < 1) {
            throw new IllegalArgumentException("max choices is at least 1, was " + maxChoices);
        }
    }

    /** Whether a requested effort is above the degraded one (an unknown effort counts as above). */
    public boolean lowers(String effort) {
        int asked = EFFORTS.indexOf(effort);
        return asked < 0 || asked > EFFORTS.indexOf(reasoningEffort);
    }
}
