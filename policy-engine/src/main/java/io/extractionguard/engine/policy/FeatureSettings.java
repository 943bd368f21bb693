package io.extractionguard.engine.policy;

import java.util.List;
import java.util.Map;

import io.extractionguard.engine.features.CapabilityArea;

/**
 * Feature-extraction settings of a policy.
 *
 * @param templateSimilarity   estimated Jaccard similarity at or above which two prompts share a template
 * @param minCapabilityMatches lexicon matches needed before a prompt counts as targeting an area
 * @param evidencePrior        pseudo-requests added to every share's denominator (shrinks small samples)
 * @param capabilities         lexicon phrases per capability area
 * @param cotElicitation       phrases that ask for the model's full reasoning
 * @param opaqueContent        how a request the guard cannot fully read is counted
 */
public record FeatureSettings(double templateSimilarity, int minCapabilityMatches, double evidencePrior,
                              Map<CapabilityArea, List<String>> capabilities, List<String> cotElicitation,
                              OpaqueContent opaqueContent) {

    public FeatureSettings {
        capabilities = Map.copyOf(capabilities);
        cotElicitation = List.copyOf(cotElicitation);
        opaqueContent = opaqueContent == null ? OpaqueContent.DEFAULT : opaqueContent;
    }

    /**
     * Content the model reads and the guard cannot (binary documents, images, URL and file-id sources, stored prompts,
     * server-fetched tools): what it asks for is unknown, so under {@code as: reasoning-ask} a request carrying it
     * with an output budget of at least {@code minOutputTokens} (or none) counts as asking for the full reasoning;
     * under {@code as: ordinary} it counts as what its readable text says.
     *
     * @param asReasoningAsk  whether such a request counts as a reasoning ask
     * @param minOutputTokens the output budget from which it does (0: always)
     */
    public record OpaqueContent(boolean asReasoningAsk, long minOutputTokens) {
        /** Reasoning ask from 2000 tokens: the policy's long-ask line ({@code one-shot-asks.budget-low}). */
        public static final OpaqueContent DEFAULT = new OpaqueContent(true, 2000);
    }
}
