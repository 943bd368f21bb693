package io.extractionguard.engine.policy;

import static io.extractionguard.engine.policy.Vocabulary.keys;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.campaign.AccountLinks;
import io.extractionguard.engine.campaign.CampaignSettings;
import io.extractionguard.engine.campaign.ContentWeights;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.IndicatorRecord;
import io.extractionguard.engine.campaign.IndicatorSettings;
import io.extractionguard.engine.campaign.RotationSettings;
import io.extractionguard.engine.campaign.StructureSettings;
import io.extractionguard.engine.campaign.TemplateSettings;

/** Reads the {@code campaign} section of a policy (documented in docs/policy.md, "campaign"). */
final class CampaignPolicyReader {

    private static final Set<String> CAMPAIGN = keys("mode", "correlation-interval", "suspect-score",
            "suspect-content", "suspicion-half-life", "full-suspects",
            "min-suspects", "template", "content", "rotation", "indicators", "structure");
    private static final Set<String> STRUCTURE = keys("weight", "mode", "young", "old", "standalone", "conversing", "follow-up", "reputation",
            "min-kinds", "kind-strength", "output", "claimed-history");
    private static final Set<String> RAMP = keys("low", "high");
    private static final Set<String> REPUTATION = keys("young", "old", "content", "template", "at", "weight", "convict", "org",
            "rotation", "content-mean");
    private static final Set<String> ORG_VOUCH = keys("members", "suspicion");
    private static final Set<String> TEMPLATE = keys("weight", "mode", "min-accounts", "full-accounts", "low", "high",
            "min-similarity", "min-words", "yield");
    private static final Set<String> ROTATION = keys("weight", "mode", "min-requests", "clients", "networks");
    private static final Set<String> CONTENT = keys("cot-elicitation", "capability", "long-output",
            "long-output-tokens", "one-shot");
    private static final Map<String, Mode> MODES = Vocabulary.MODES;
    private static final Map<String, StructureSettings.ClaimedHistoryCheck> CLAIMED_HISTORY = Vocabulary.choices(
            "off", StructureSettings.ClaimedHistoryCheck.OFF, "verify", StructureSettings.ClaimedHistoryCheck.VERIFY,
            "read", StructureSettings.ClaimedHistoryCheck.READ);
    /** The reputation step's content factor: the day mean, or the larger of it and the recent mean. */
    private static final Map<String, String> CONTENT_MEANS = Vocabulary.choices("day", "day", "latest", "latest");

    private CampaignPolicyReader() {
    }

    /** The settings, or null after recording errors. */
    static CampaignSettings read(YamlReader r, Node node) {
        Map<String, Node> c = r.mapping(node, "campaign", CAMPAIGN);
        if (c == null) {
            return null;
        }
        CampaignSettings d = CampaignSettings.DISABLED;
        Mode mode = c.containsKey("mode") ? r.choice(c.get("mode"), "campaign.mode", MODES) : Mode.ENFORCE;
        Duration interval = d.correlationInterval();
        if (c.containsKey("correlation-interval")) {
            interval = r.duration(c.get("correlation-interval"), "campaign.correlation-interval");
            if (interval != null && (interval.compareTo(Duration.ofSeconds(1)) < 0
                    || interval.compareTo(Duration.ofHours(1)) > 0)) {
                r.error(c.get("correlation-interval"), "campaign.correlation-interval",
                        "must be between 1s and 1h, was " + interval.toSeconds() + "s");
                interval = null;
            }
        }
        double[] suspect = {d.suspectLow(), d.suspectHigh()};
        if (c.containsKey("suspect-score")) {
            suspect = ramp(r, c.get("suspect-score"), "campaign.suspect-score", 0, 100);
        }
        Double suspectContent = c.containsKey("suspect-content")
                ? r.number(c.get("suspect-content"), "campaign.suspect-content", 0.05, 1) : Double.valueOf(d.suspectContent());
        Duration halfLife = c.containsKey("suspicion-half-life")
                ? r.duration(c.get("suspicion-half-life"), "campaign.suspicion-half-life") : d.suspicionHalfLife();
        Double fullSuspects = c.containsKey("full-suspects")
                ? r.number(c.get("full-suspects"), "campaign.full-suspects", 0.5, IndicatorRecord.SAMPLE)
                : Double.valueOf(d.fullSuspects());
        Double minSuspects = c.containsKey("min-suspects")
                ? r.number(c.get("min-suspects"), "campaign.min-suspects", 0, IndicatorRecord.SAMPLE)
                : Double.valueOf(d.minSuspects());
        if (fullSuspects != null && minSuspects != null && fullSuspects <= minSuspects) {
            r.error(c.getOrDefault("full-suspects", node), "campaign.full-suspects",
                    "must be greater than min-suspects (" + minSuspects + "), was " + fullSuspects);
            fullSuspects = null;
        }
        TemplateSettings template = c.containsKey("template")
                ? template(r, c.get("template")) : TemplateSettings.DEFAULT;
        ContentWeights content = c.containsKey("content") ? content(r, c.get("content")) : ContentWeights.DEFAULT;
        RotationSettings rotation = c.containsKey("rotation") ? rotation(r, c.get("rotation")) : RotationSettings.OFF;
        Map<IndicatorKind, IndicatorSettings> indicators = c.containsKey("indicators")
                ? indicators(r, c.get("indicators")) : Map.of();
        StructureSettings structure = c.containsKey("structure") ? structure(r, c.get("structure")) : StructureSettings.OFF;
        if (mode == null || interval == null || suspect == null || suspectContent == null || halfLife == null
                || fullSuspects == null
                || minSuspects == null
                || template == null || content == null || rotation == null || indicators == null || structure == null) {
            return null;
        }
        return new CampaignSettings(true, mode, interval, suspect[0], suspect[1], suspectContent, halfLife,
                fullSuspects, minSuspects, template, content, rotation, indicators, structure);
    }

    /** The section's {@code weight} (required, 0–100), or null after recording an error. */
    private static Double requiredWeight(YamlReader r, Map<String, Node> m, Node node, String p) {
        r.require(m, node, p, "weight");
        return m.containsKey("weight") ? r.number(m.get("weight"), p + ".weight", 0, 100) : null;
    }

    /** The section's {@code mode}, ENFORCE when absent. */
    private static Mode mode(YamlReader r, Map<String, Node> m, String p) {
        return m.containsKey("mode") ? r.choice(m.get("mode"), p + ".mode", MODES) : Mode.ENFORCE;
    }

    private static StructureSettings structure(YamlReader r, Node node) {
        String p = "campaign.structure";
        Map<String, Node> m = r.mapping(node, p, STRUCTURE);
        if (m == null) {
            return null;
        }
        StructureSettings d = StructureSettings.OFF;
        Double weight = requiredWeight(r, m, node, p);
        Mode mode = mode(r, m, p);
        Duration young = m.containsKey("young") ? r.duration(m.get("young"), p + ".young") : d.young();
        Duration old = m.containsKey("old") ? r.duration(m.get("old"), p + ".old") : d.old();
        if (young != null && old != null && old.compareTo(young) <= 0) {
            r.error(m.getOrDefault("old", node), p + ".old", "must be longer than young (" + young.toSeconds() + "s), was " + old.toSeconds() + "s");
            old = null;
        }
        double[] standalone = m.containsKey("standalone") ? ramp(r, m.get("standalone"), p + ".standalone", 0, 1)
                : new double[]{d.standaloneLow(), d.standaloneHigh()};
        double[] conversing = m.containsKey("conversing") ? ramp(r, m.get("conversing"), p + ".conversing", 0, 1)
                : new double[]{d.conversingLow(), d.conversingHigh()};
        Long minKinds = m.containsKey("min-kinds")
                ? r.integer(m.get("min-kinds"), p + ".min-kinds", 1, IndicatorKind.count()) : Long.valueOf(d.minKinds());
        Double kindStrength = m.containsKey("kind-strength")
                ? r.number(m.get("kind-strength"), p + ".kind-strength", 0, 1) : Double.valueOf(d.kindStrength());
        double[] output = m.containsKey("output") ? ramp(r, m.get("output"), p + ".output", 0, 10_000_000)
                : new double[]{d.outputLow(), d.outputHigh()};
        double[] followUp = m.containsKey("follow-up") ? ramp(r, m.get("follow-up"), p + ".follow-up", 0, 10_000_000)
                : new double[]{d.followUpLow(), d.followUpHigh()};
        StructureSettings.Reputation reputation = m.containsKey("reputation")
                ? reputation(r, m.get("reputation"), p + ".reputation") : d.reputation();
        StructureSettings.ClaimedHistoryCheck claimed = m.containsKey("claimed-history")
                ? r.choice(m.get("claimed-history"), p + ".claimed-history", CLAIMED_HISTORY) : d.claimedHistory();
        if (weight == null || mode == null || young == null || old == null || standalone == null || conversing == null
                || minKinds == null || kindStrength == null || output == null || followUp == null || reputation == null
                || claimed == null) {
            return null;
        }
        return new StructureSettings(weight, mode, young, old, standalone[0], standalone[1], conversing[0], conversing[1],
                minKinds.intValue(), kindStrength, output[0], output[1], followUp[0], followUp[1], reputation, claimed);
    }

    private static StructureSettings.Reputation reputation(YamlReader r, Node node, String p) {
        Map<String, Node> m = r.mapping(node, p, REPUTATION);
        if (m == null) {
            return null;
        }
        r.require(m, node, p, "at");
        StructureSettings.Reputation d = StructureSettings.Reputation.OFF;
        Duration young = m.containsKey("young") ? r.duration(m.get("young"), p + ".young") : d.young();
        Duration old = m.containsKey("old") ? r.duration(m.get("old"), p + ".old") : d.old();
        if (young != null && old != null && old.compareTo(young) <= 0) {
            r.error(m.getOrDefault("old", node), p + ".old", "must be longer than young (" + young.toSeconds() + "s), was " + old.toSeconds() + "s");
            old = null;
        }
        double[] content = m.containsKey("content") ? ramp(r, m.get("content"), p + ".content", 0, 1)
                : new double[]{d.contentLow(), d.contentHigh()};
        double[] template = m.containsKey("template") ? ramp(r, m.get("template"), p + ".template", 0, 1)
                : new double[]{d.templateLow(), d.templateHigh()};
        Double at = m.containsKey("at") ? r.number(m.get("at"), p + ".at", 0.01, 1) : null;
        Double weight = m.containsKey("weight") ? r.number(m.get("weight"), p + ".weight", 0, 100) : Double.valueOf(d.weight());
        double[] convict = m.containsKey("convict") ? ramp(r, m.get("convict"), p + ".convict", 0, 1)
                : new double[]{d.convictLow(), d.convictHigh()};
        double[] rotation = m.containsKey("rotation") ? ramp(r, m.get("rotation"), p + ".rotation", 0, 1)
                : new double[]{d.rotationLow(), d.rotationHigh()};
        String contentMean = m.containsKey("content-mean")
                ? r.choice(m.get("content-mean"), p + ".content-mean", CONTENT_MEANS) : d.recentContent() ? "latest" : "day";
        Double orgMembers = Double.valueOf(d.orgMembers());
        double[] orgSuspicion = {d.orgSuspicionLow(), d.orgSuspicionHigh()};
        if (m.containsKey("org")) {
            Map<String, Node> o = r.mapping(m.get("org"), p + ".org", ORG_VOUCH);
            if (o == null) {
                return null;
            }
            r.require(o, m.get("org"), p + ".org", "members", "suspicion");
            orgMembers = o.containsKey("members") ? r.number(o.get("members"), p + ".org.members", 1, 32) : null;
            orgSuspicion = o.containsKey("suspicion") ? ramp(r, o.get("suspicion"), p + ".org.suspicion", 0, 1) : null;
        }
        if (young == null || old == null || content == null || template == null || at == null || weight == null
                || convict == null || orgMembers == null || orgSuspicion == null || rotation == null
                || contentMean == null) {
            return null;
        }
        return new StructureSettings.Reputation(young, old, content[0], content[1], template[0], template[1], at,
                weight, convict[0], convict[1], orgMembers.intValue(), orgSuspicion[0], orgSuspicion[1], rotation[0],
                rotation[1], contentMean.equals("latest"));
    }

    private static TemplateSettings template(YamlReader r, Node node) {
        Map<String, Node> t = r.mapping(node, "campaign.template", TEMPLATE);
        if (t == null) {
            return null;
        }
        TemplateSettings d = TemplateSettings.DEFAULT;
        String p = "campaign.template";
        Double weight = t.containsKey("weight") ? r.number(t.get("weight"), p + ".weight", 0, 100) : Double.valueOf(d.weight());
        Mode mode = t.containsKey("mode") ? r.choice(t.get("mode"), p + ".mode", MODES) : Mode.ENFORCE;
        Long minAccounts = t.containsKey("min-accounts")
                ? r.integer(t.get("min-accounts"), p + ".min-accounts", 0, 1_000_000) : Long.valueOf(d.minAccounts());
        Long fullAccounts = t.containsKey("full-accounts")
                ? r.integer(t.get("full-accounts"), p + ".full-accounts", 1, 1_000_000) : Long.valueOf(d.fullAccounts());
        Double low = t.containsKey("low") ? r.number(t.get("low"), p + ".low", 0, 1) : Double.valueOf(d.low());
        Double high = t.containsKey("high") ? r.number(t.get("high"), p + ".high", 0, 1) : Double.valueOf(d.high());
        Double minSimilarity = t.containsKey("min-similarity")
                ? r.number(t.get("min-similarity"), p + ".min-similarity", 0.05, 1) : Double.valueOf(d.minSimilarity());
        Long minWords = t.containsKey("min-words")
                ? r.integer(t.get("min-words"), p + ".min-words", 1, 10_000) : Long.valueOf(d.minWords());
        double[] yield = t.containsKey("yield") ? ramp(r, t.get("yield"), p + ".yield", 0, 1)
                : new double[]{d.yieldLow(), d.yieldHigh()};
        if (minAccounts != null && fullAccounts != null && fullAccounts <= minAccounts) {
            r.error(t.getOrDefault("full-accounts", node), p + ".full-accounts",
                    "must be greater than min-accounts (" + minAccounts + "), was " + fullAccounts);
            fullAccounts = null;
        }
        if (low != null && high != null && high <= low) {
            r.error(t.getOrDefault("high", node), p + ".high", "must be greater than low (" + low + "), was " + high);
            high = null;
        }
        if (weight == null || mode == null || minAccounts == null || fullAccounts == null || low == null
                || high == null || minSimilarity == null || minWords == null || yield == null) {
            return null;
        }
        return new TemplateSettings(weight, mode, minAccounts.intValue(), fullAccounts.intValue(), low, high,
                minSimilarity, minWords.intValue(), yield[0], yield[1]);
    }

    private static RotationSettings rotation(YamlReader r, Node node) {
        String p = "campaign.rotation";
        Map<String, Node> m = r.mapping(node, p, ROTATION);
        if (m == null) {
            return null;
        }
        RotationSettings d = RotationSettings.OFF;
        Double weight = requiredWeight(r, m, node, p);
        Mode mode = mode(r, m, p);
        Long minRequests = m.containsKey("min-requests")
                ? r.integer(m.get("min-requests"), p + ".min-requests", 2, AccountLinks.RECENT) : Long.valueOf(d.minRequests());
        double[] clients = m.containsKey("clients")
                ? ramp(r, m.get("clients"), p + ".clients", 0, AccountLinks.RECENT) : new double[]{d.clientsLow(), d.clientsHigh()};
        double[] networks = m.containsKey("networks")
                ? ramp(r, m.get("networks"), p + ".networks", 0, AccountLinks.RECENT) : new double[]{d.networksLow(), d.networksHigh()};
        if (weight == null || mode == null || minRequests == null || clients == null || networks == null) {
            return null;
        }
        return new RotationSettings(weight, mode, minRequests.intValue(), clients[0], clients[1], networks[0], networks[1]);
    }

    private static ContentWeights content(YamlReader r, Node node) {
        Map<String, Node> c = r.mapping(node, "campaign.content", CONTENT);
        if (c == null) {
            return null;
        }
        ContentWeights d = ContentWeights.DEFAULT;
        String p = "campaign.content";
        Double cot = c.containsKey("cot-elicitation")
                ? r.number(c.get("cot-elicitation"), p + ".cot-elicitation", 0, 1) : Double.valueOf(d.cotElicitation());
        Double capability = c.containsKey("capability")
                ? r.number(c.get("capability"), p + ".capability", 0, 1) : Double.valueOf(d.capability());
        Double longOutput = c.containsKey("long-output")
                ? r.number(c.get("long-output"), p + ".long-output", 0, 1) : Double.valueOf(d.longOutput());
        Long tokens = c.containsKey("long-output-tokens")
                ? r.integer(c.get("long-output-tokens"), p + ".long-output-tokens", 1, 10_000_000)
                : Long.valueOf(d.longOutputTokens());
        Double oneShot = c.containsKey("one-shot")
                ? r.number(c.get("one-shot"), p + ".one-shot", 0, 1) : Double.valueOf(d.oneShot());
        if (cot == null || capability == null || longOutput == null || tokens == null || oneShot == null) {
            return null;
        }
        if (cot + capability + longOutput + oneShot <= 0) {
            r.error(node, p, "cot-elicitation, capability, long-output and one-shot are all 0: no template could ever be hot");
            return null;
        }
        return new ContentWeights(cot, capability, longOutput, tokens, oneShot);
    }

    private static Map<IndicatorKind, IndicatorSettings> indicators(YamlReader r, Node node) {
        Set<String> ids = new LinkedHashSet<>();
        for (IndicatorKind k : IndicatorKind.values()) {
            ids.add(k.id());
        }
        Map<String, Node> entries = r.mapping(node, "campaign.indicators", ids);
        if (entries == null) {
            return null;
        }
        Map<IndicatorKind, IndicatorSettings> out = new EnumMap<>(IndicatorKind.class);
        boolean ok = true;
        for (Map.Entry<String, Node> e : entries.entrySet()) {
            IndicatorKind kind = IndicatorKind.byId(e.getKey()).orElseThrow();
            String path = "campaign.indicators." + e.getKey();
            Set<String> allowed = keys("weight", "mode");
            kind.params().forEach(p -> allowed.add(p.name()));
            Map<String, Node> s = r.mapping(e.getValue(), path, allowed);
            if (s == null) {
                ok = false;
                continue;
            }
            r.require(s, e.getValue(), path, "weight");
            Double weight = s.containsKey("weight") ? r.number(s.get("weight"), path + ".weight", 0, 100) : null;
            Mode mode = s.containsKey("mode") ? r.choice(s.get("mode"), path + ".mode", MODES) : Mode.ENFORCE;
            Map<String, Double> params = new HashMap<>();
            if (Params.read(r, s, path, kind.params(), params) && weight != null && mode != null) {
                out.put(kind, new IndicatorSettings(weight, mode, params));
            } else {
                ok = false;
            }
        }
        return ok ? out : null;
    }

    /** A {@code {low, high}} mapping with {@code min <= low < high <= max}, or null after an error. */
    private static double[] ramp(YamlReader r, Node node, String path, double min, double max) {
        Map<String, Node> m = r.mapping(node, path, RAMP);
        if (m == null) {
            return null;
        }
        r.require(m, node, path, "low", "high");
        Double low = m.containsKey("low") ? r.number(m.get("low"), path + ".low", min, max) : null;
        Double high = m.containsKey("high") ? r.number(m.get("high"), path + ".high", min, max) : null;
        if (low == null || high == null) {
            return null;
        }
        if (high <= low) {
            r.error(m.get("high"), path + ".high", "must be greater than low (" + low + "), was " + high);
            return null;
        }
        return new double[]{low, high};
    }
}
