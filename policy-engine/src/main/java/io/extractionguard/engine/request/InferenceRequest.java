package io.extractionguard.engine.request;

import java.util.List;

/**
 * One inference call, reduced to what detection needs, whatever API dialect it came in.
 *
 * @param format          the dialect the body was written in
 * @param model           the requested model, or an empty string when the dialect allows leaving it out
 * @param systemText      system / developer instructions, concatenated (may be empty)
 * @param lastUserText    the text of the last user turn: the new content of this call (may be empty)
 * @param historyChars    characters of text in all other turns (earlier user and assistant turns, tool results)
 * @param turns           number of messages / input items in the conversation
 * @param toolNames       names of the tools offered to the model (bounded, see {@link RequestParser})
 * @param maxOutputTokens requested output budget, or -1 when the client did not set one
 * @param stream          whether the client asked for a streamed (SSE) response
 * @param temperature     requested temperature, or {@link Double#NaN} when not set
 * @param choices         completions generated per call: OpenAI's {@code n} (and {@code best_of}), times
 *                        the prompts of a legacy Completions call; 1 for the other dialects
 * @param rootHash        64-bit hash of the conversation's first user turn (0 when there is none): a
 *                        follow-up or an agentic loop's next step keeps it, a new conversation does not
 * @param claimed         the earlier user turns as hashes ({@link ClaimedHistory}; {@link ClaimedHistory#NONE}
 *                        when not read), for claimed-history verification
 * @param definitionText  text of tool definitions and response schemas (descriptions, property names), read for
 *                        reasoning asks: the model reads it as instructions (may be empty)
 * @param opaqueParts     parts the model reads and the guard cannot: binary documents, images, audio, URL and file-id
 *                        sources, stored prompts, server-fetched content (MCP, web fetch, file search); 0 when none
 */
public record InferenceRequest(
        ApiFormat format,
        String model,
        String systemText,
        String lastUserText,
        long historyChars,
        int turns,
        List<String> toolNames,
        long maxOutputTokens,
        boolean stream,
        double temperature,
        int choices,
        long rootHash,
        ClaimedHistory claimed,
        String definitionText,
        int opaqueParts) {

    public InferenceRequest {
        toolNames = List.copyOf(toolNames);
        definitionText = definitionText == null ? "" : definitionText;
        claimed = claimed == null ? ClaimedHistory.NONE : claimed;
        if (choices < 1) {
            throw new IllegalArgumentException("choices must be at least 1, was " + choices);
        }
    }

    /** A call without definition text or opaque parts. */
    public InferenceRequest(ApiFormat format, String model, String systemText, String lastUserText, long historyChars,
                            int turns, List<String> toolNames, long maxOutputTokens, boolean stream, double temperature,
                            int choices, long rootHash, ClaimedHistory claimed) {
        this(format, model, systemText, lastUserText, historyChars, turns, toolNames, maxOutputTokens, stream, temperature,
                choices, rootHash, claimed, "", 0);
    }

    /** A call whose earlier user turns are not known. */
    public InferenceRequest(ApiFormat format, String model, String systemText, String lastUserText, long historyChars,
                            int turns, List<String> toolNames, long maxOutputTokens, boolean stream, double temperature,
                            int choices, long rootHash) {
        this(format, model, systemText, lastUserText, historyChars, turns, toolNames, maxOutputTokens, stream, temperature,
                choices, rootHash, ClaimedHistory.NONE);
    }

    /** The same call with {@code lastUserText} as its new text (unverified earlier turns read as new content). */
    public InferenceRequest withLastUserText(String text) {
        return new InferenceRequest(format, model, systemText, text, historyChars, turns, toolNames, maxOutputTokens,
                stream, temperature, choices, rootHash, claimed, definitionText, opaqueParts);
    }

    /** A call that generates one completion. */
    public InferenceRequest(ApiFormat format, String model, String systemText, String lastUserText, long historyChars,
                            int turns, List<String> toolNames, long maxOutputTokens, boolean stream, double temperature) {
        this(format, model, systemText, lastUserText, historyChars, turns, toolNames, maxOutputTokens, stream, temperature, 1);
    }

    /** A call whose conversation root is not known. */
    public InferenceRequest(ApiFormat format, String model, String systemText, String lastUserText, long historyChars,
                            int turns, List<String> toolNames, long maxOutputTokens, boolean stream, double temperature,
                            int choices) {
        this(format, model, systemText, lastUserText, historyChars, turns, toolNames, maxOutputTokens, stream, temperature,
                choices, 0);
    }

    /**
     * Output tokens the call may generate in all: {@code maxOutputTokens} times {@link #choices},
     * or -1 when the client set no budget.
     */
    public long outputAppetite() {
        return maxOutputTokens < 0 ? -1 : Math.multiplyExact(maxOutputTokens, (long) choices);
    }

    /** Whether the model reads content the guard could not: see {@code opaqueParts}. */
    public boolean hasOpaqueContent() {
        return opaqueParts > 0;
    }

    public boolean hasTools() {
        return !toolNames.isEmpty();
    }

    /** Total prompt characters the model will read for this call. */
    public long promptChars() {
        return systemText.length() + lastUserText.length() + historyChars;
    }
}
