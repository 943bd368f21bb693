package io.extractionguard.engine.features;

/**
 * What detection reads from one request.
 *
 * @param sketch           {@link PromptSketch} signature of the new user text, or null when it had no words
 * @param systemPromptHash hash of the normalised system prompt, 0 when there is none
 * @param capabilityMask   bit set of {@link CapabilityArea#bit()} for the areas the prompt targets
 * @param cotElicitation   whether the prompt asks for the model's full reasoning
 * @param maxOutputTokens  requested output budget, -1 when unset
 * @param toolCount        number of tools offered (agentic shape)
 * @param promptTokens     word tokens in system prompt and new user text
 * @param standalone       whether the request stands alone: no earlier turns (user, assistant or tool output) before
 *                         its new user text, only (optionally) a system prompt. Harvesting asks are standalone; people
 *                         and agents continue conversations
 * @param opaque           whether the model reads content the guard could not (binary documents, images, URL or
 *                         file-id sources, stored prompts, server-fetched tools); under the policy's {@code
 *                         opaque-content: as: reasoning-ask} such a request with a long budget also counts as a
 *                         reasoning ask ({@code cotElicitation})
 */
public record RequestFeatures(
        byte[] sketch,
        long systemPromptHash,
        int capabilityMask,
        boolean cotElicitation,
        long maxOutputTokens,
        int toolCount,
        int promptTokens,
        boolean standalone,
        boolean opaque) {

    /** Features of a request whose content was read in full. */
    public RequestFeatures(byte[] sketch, long systemPromptHash, int capabilityMask, boolean cotElicitation,
                           long maxOutputTokens, int toolCount, int promptTokens, boolean standalone) {
        this(sketch, systemPromptHash, capabilityMask, cotElicitation, maxOutputTokens, toolCount, promptTokens,
                standalone, false);
    }

    public boolean targets(CapabilityArea area) {
        return (capabilityMask & area.bit()) != 0;
    }

    public boolean targetsAnyCapability() {
        return capabilityMask != 0;
    }
}
