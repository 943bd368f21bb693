package io.extractionguard.engine.request;

/**
 * The output-budget fields each API defines, read the way its upstream reads them. Only a dialect's
 * own names are read; another dialect's name is refused, as Anthropic ("Extra inputs are not
 * permitted") and OpenAI ("Unrecognized request argument") refuse it, because a permissive upstream
 * may honour it. Chat Completions has two names: both set is refused, as OpenAI refuses it, because
 * upstreams disagree on which wins (vLLM and SGLang take {@code max_completion_tokens} first).
 */
final class BudgetFields {

    /** Chat Completions with both of its budget fields set (neither null). */
    static final String BOTH = "max_tokens: setting max_tokens and max_completion_tokens at the same time is not"
            + " supported; send max_completion_tokens only";

    private BudgetFields() {
    }

    /** Null when {@code name} (one of the three budget names) is {@code format}'s own, else the problem. */
    static String foreign(ApiFormat format, String name) {
        boolean own = switch (format) {
            case ANTHROPIC_MESSAGES, OPENAI_COMPLETIONS -> "max_tokens".equals(name);
            case OPENAI_CHAT_COMPLETIONS -> !"max_output_tokens".equals(name);
            case OPENAI_RESPONSES -> "max_output_tokens".equals(name);
        };
        if (own) {
            return null;
        }
        String ownNames = switch (format) {
            case ANTHROPIC_MESSAGES, OPENAI_COMPLETIONS -> "max_tokens";
            case OPENAI_CHAT_COMPLETIONS -> "max_completion_tokens";
            case OPENAI_RESPONSES -> "max_output_tokens";
        };
        return name + ": not a field of this API; its output budget is " + ownNames;
    }
}
