package io.extractionguard.engine.policy;

import java.util.List;
import java.util.Map;

import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.campaign.CampaignSettings;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.score.Scorer;

/**
 * A validated, compiled policy: immutable, safe to share between threads and to swap atomically.
 * Obtain one from {@link PolicyLoader}.
 *
 * @param version     the version string the file declares
 * @param hash        first 12 hex digits of the SHA-256 of the file's bytes
 * @param source      where it was loaded from (file name)
 * @param mode        ENFORCE, or SHADOW to only record what would have been done
 * @param defaultTier tier for accounts whose tier is absent or unknown
 * @param tiers       base limits per tier
 * @param features    feature-extraction settings
 * @param bands       score bands, ascending by minimum score
 * @param allow       accounts, orgs and payment fingerprints exempt from risk actions
 * @param deny        accounts, orgs and payment fingerprints always blocked
 * @param extractor   compiled feature extractor (lexicons)
 * @param scorer      compiled signals
 * @param tokenBudgets token budgets per tier (tiers without any are absent)
 * @param campaign    cross-account correlation ({@link CampaignSettings#DISABLED} when the file has none)
 * @param peerIndicators how imported peer indicators weigh ({@link PeerIndicatorSettings#DISABLED} when the file has none)
 */
public record Policy(
        String version,
        String hash,
        String source,
        Mode mode,
        String defaultTier,
        Map<String, TierLimits> tiers,
        FeatureSettings features,
        List<Band> bands,
        IdentityLists allow,
        IdentityLists deny,
        FeatureExtractor extractor,
        Scorer scorer,
        Map<String, TokenBudget> tokenBudgets,
        CampaignSettings campaign,
        PeerIndicatorSettings peerIndicators) {

    public Policy {
        tiers = Map.copyOf(tiers);
        tokenBudgets = Map.copyOf(tokenBudgets);
        bands = List.copyOf(bands);
    }

    /** The limits of the named tier, or of the default tier when the name is null or unknown. */
    public TierLimits tierLimits(String tier) {
        TierLimits limits = tier == null ? null : tiers.get(tier);
        return limits != null ? limits : tiers.get(defaultTier);
    }

    /** The token budget of a tier (as resolved by {@link #tierLimits}); {@link TokenBudget#NONE} when it sets none. */
    public TokenBudget tokenBudget(TierLimits tier) {
        return tier == null ? TokenBudget.NONE : tokenBudgets.getOrDefault(tier.tier(), TokenBudget.NONE);
    }

    /** The highest band whose minimum the score reaches, or null. */
    public Band bandFor(double score) {
        Band found = null;
        for (Band band : bands) {
            if (score >= band.minScore()) {
                found = band;
            }
        }
        return found;
    }

    /** {@code version (hash)}, as shown in logs and health. */
    public String label() {
        return version + " (" + hash + ")";
    }
}
