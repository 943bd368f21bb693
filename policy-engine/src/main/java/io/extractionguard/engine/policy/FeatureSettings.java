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
 */
public record FeatureSettings(double templateSimilarity, int minCapabilityMatches, double evidencePrior,
                              Map<CapabilityArea, List<String>> capabilities, List<String> cotElicitation) {

    public FeatureSettings {
        capabilities = Map.copyOf(capabilities);
        cotElicitation = List.copyOf(cotElicitation);
    }
}
