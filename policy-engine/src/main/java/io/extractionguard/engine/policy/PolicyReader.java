package io.extractionguard.engine.policy;

import io.extractionguard.engine.action.Mode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.campaign.CampaignSettings;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.score.Signal;

/**
 * Reads the top level of a policy's node tree: every section through its reader, errors collected
 * in the {@link YamlReader}, then the cross-section checks; a policy is built only without errors.
 */
final class PolicyReader {

    private static final Set<String> TOP = Vocabulary.keys("version", "mode", "default-tier", "tiers", "features",
            "signals", "bands", "lists", "campaign", "peer-indicators");

    private PolicyReader() {
    }

    /** The policy, or null when {@code r} recorded errors. */
    static Policy read(YamlReader r, Node root, String name, String hash) {
        Map<String, Node> top = r.mapping(root, "", TOP);
        if (top == null) {
            return null;
        }
        r.require(top, root, "", "version", "default-tier", "tiers", "features", "signals", "bands");

        String version = top.containsKey("version") ? r.string(top.get("version"), "version") : null;
        if (version != null && version.length() > 64) {
            r.error(top.get("version"), "version", "must be at most 64 characters");
        }
        Mode mode = top.containsKey("mode") ? r.choice(top.get("mode"), "mode", Vocabulary.MODES) : Mode.ENFORCE;
        Map<String, TokenBudget> tokenBudgets = new LinkedHashMap<>();
        Map<String, TierLimits> tiers = top.containsKey("tiers")
                ? TiersReader.read(r, top.get("tiers"), tokenBudgets) : Map.of();
        String defaultTier = top.containsKey("default-tier") ? defaultTier(r, top) : null;
        FeatureSettings features = top.containsKey("features") ? FeaturesReader.read(r, top.get("features")) : null;
        List<Signal> signals = top.containsKey("signals") ? SignalsReader.read(r, top.get("signals")) : List.of();
        List<Band> bands = top.containsKey("bands") ? BandsReader.read(r, top.get("bands")) : List.of();
        ListsReader.Lists lists = top.containsKey("lists") ? ListsReader.read(r, top.get("lists")) : ListsReader.Lists.NONE;
        CampaignSettings campaign = top.containsKey("campaign")
                ? CampaignPolicyReader.read(r, top.get("campaign")) : CampaignSettings.DISABLED;
        PeerIndicatorSettings peerIndicators = top.containsKey("peer-indicators")
                ? PeerIndicatorsReader.read(r, top.get("peer-indicators")) : PeerIndicatorSettings.DISABLED;
        if (!r.errors().isEmpty() || features == null || campaign == null || peerIndicators == null) {
            return null;
        }
        FeatureExtractor extractor = new FeatureExtractor(features.capabilities(), features.cotElicitation(),
                features.minCapabilityMatches(), features.opaqueContent().asReasoningAsk(),
                features.opaqueContent().minOutputTokens());
        return new Policy(version, hash, name, mode, defaultTier, tiers, features, bands, lists.allow(), lists.deny(),
                extractor, new Scorer(signals), tokenBudgets, campaign, peerIndicators);
    }

    /** The default tier's name, which must name a declared tier. */
    private static String defaultTier(YamlReader r, Map<String, Node> top) {
        String defaultTier = r.string(top.get("default-tier"), "default-tier");
        Set<String> declared = TiersReader.names(top.get("tiers"));
        if (defaultTier != null && !declared.isEmpty() && !declared.contains(defaultTier)) {
            r.error(top.get("default-tier"), "default-tier", "names no tier defined under 'tiers' ("
                    + String.join(", ", declared) + ")" + YamlReader.suggestion(defaultTier, declared));
        }
        return defaultTier;
    }
}
