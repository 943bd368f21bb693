package io.extractionguard.engine.policy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.campaign.CampaignSettings;
import io.extractionguard.engine.decision.Action;
import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.features.PhraseMatcher;
import io.extractionguard.engine.intel.Tlp;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.score.Signal;
import io.extractionguard.engine.score.SignalKind;

/**
 * Loads policy YAML in two phases: the node tree is read into values with every error collected
 * (file, line, path, fix), then cross-checked; only a policy without errors is compiled into a
 * {@link Policy}. Unknown keys are errors, so a misspelt option never silently falls back to a default.
 *
 * <p>Stateless and thread-safe. The option reference lives in {@code docs/policy.md}.
 */
public final class PolicyLoader {

    /** Policy files larger than this are refused before parsing. */
    public static final int MAX_POLICY_BYTES = 1 << 20;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Set<String> TOP = ordered("version", "mode", "default-tier", "tiers", "features",
            "signals", "bands", "lists", "campaign", "peer-indicators");
    private static final Set<String> TIER = ordered("requests-per-minute", "requests-per-day", "batches",
            TokenBudgets.INPUT_PER_MINUTE, TokenBudgets.INPUT_PER_DAY, TokenBudgets.OUTPUT_PER_MINUTE,
            TokenBudgets.OUTPUT_PER_DAY, TokenBudgets.DEFAULT_OUTPUT_RESERVE);
    private static final Set<String> FEATURES = ordered("template-similarity", "min-capability-matches",
            "evidence-prior", "capabilities", "cot-elicitation");
    private static final Set<String> BAND = ordered("name", "min-score", "action", "limit-factor", "challenge",
            "verdict-ttl", "mode", "token-factor", "pow-min-bits", "pow-max-bits", "pass-requests", "pass-ttl",
            "challenge-ttl", "thinking-budget", "reasoning-effort", "max-choices");
    private static final Set<String> LISTS = ordered("allow", "deny");
    private static final Set<String> LIST = ordered("accounts", "orgs", "payment-fingerprints");
    static final Map<String, Mode> MODES = orderedMap("enforce", Mode.ENFORCE, "shadow", Mode.SHADOW);
    private static final Map<String, Action> BAND_ACTIONS = orderedMap(
            "DEGRADE", Action.ALLOW, "THROTTLE", Action.THROTTLE, "CHALLENGE", Action.CHALLENGE, "BLOCK", Action.BLOCK);
    private static final Map<String, ChallengeKind> CHALLENGES = orderedMap(
            ChallengeKind.PROOF_OF_WORK.id(), ChallengeKind.PROOF_OF_WORK,
            ChallengeKind.VERIFICATION_HOLD.id(), ChallengeKind.VERIFICATION_HOLD);

    /** Loads and compiles a policy file. */
    public Policy load(Path file) throws PolicyException {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_POLICY_BYTES) {
                throw single(name, "file is larger than " + MAX_POLICY_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw single(name, "cannot read file: " + e.getMessage());
        }
        return load(name, bytes);
    }

    /** Loads and compiles policy text; {@code name} is used in error messages. */
    public Policy load(String name, byte[] bytes) throws PolicyException {
        if (bytes.length > MAX_POLICY_BYTES) {
            throw single(name, "file is larger than " + MAX_POLICY_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw single(name, "file is not valid UTF-8");
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            options.setNestingDepthLimit(20);
            options.setCodePointLimit(MAX_POLICY_BYTES);
            options.setAllowRecursiveKeys(false);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new PolicyException(List.of(new PolicyError(name, line, "",
                    "YAML syntax error: " + e.getProblem())));
        } catch (YAMLException e) {
            throw single(name, "YAML error: " + e.getMessage());
        } catch (IllegalArgumentException e) { // SnakeYAML's composer rejects some tags this way, e.g. "!::%a"
            throw single(name, "YAML error: " + e.getMessage());
        }
        if (root == null) {
            throw single(name, "file is empty");
        }
        YamlReader r = new YamlReader(name);
        Policy policy = read(r, root, name, sha256(bytes));
        if (!r.errors().isEmpty()) {
            List<PolicyError> sorted = new ArrayList<>(r.errors());
            sorted.sort(Comparator.comparingInt(PolicyError::line));
            throw new PolicyException(sorted);
        }
        return policy;
    }

    private static Policy read(YamlReader r, Node root, String name, String hash) {
        Map<String, Node> top = r.mapping(root, "", TOP);
        if (top == null) {
            return null;
        }
        r.require(top, root, "", "version", "default-tier", "tiers", "features", "signals", "bands");

        String version = top.containsKey("version") ? r.string(top.get("version"), "version") : null;
        if (version != null && version.length() > 64) {
            r.error(top.get("version"), "version", "must be at most 64 characters");
        }
        Mode mode = top.containsKey("mode") ? r.choice(top.get("mode"), "mode", MODES) : Mode.ENFORCE;
        Map<String, TokenBudget> tokenBudgets = new LinkedHashMap<>();
        Map<String, TierLimits> tiers = top.containsKey("tiers") ? readTiers(r, top.get("tiers"), tokenBudgets) : Map.of();
        String defaultTier = null;
        if (top.containsKey("default-tier")) {
            defaultTier = r.string(top.get("default-tier"), "default-tier");
            Set<String> declared = tierNames(top.get("tiers"));
            if (defaultTier != null && !declared.isEmpty() && !declared.contains(defaultTier)) {
                r.error(top.get("default-tier"), "default-tier", "names no tier defined under 'tiers' ("
                        + String.join(", ", declared) + ")" + YamlReader.suggestion(defaultTier, declared));
            }
        }
        FeatureSettings features = top.containsKey("features") ? readFeatures(r, top.get("features")) : null;
        List<Signal> signals = top.containsKey("signals") ? readSignals(r, top.get("signals")) : List.of();
        List<Band> bands = top.containsKey("bands") ? readBands(r, top.get("bands")) : List.of();
        IdentityLists allow = IdentityLists.EMPTY;
        IdentityLists deny = IdentityLists.EMPTY;
        if (top.containsKey("lists")) {
            Map<String, Node> lists = r.mapping(top.get("lists"), "lists", LISTS);
            if (lists != null) {
                allow = lists.containsKey("allow") ? readList(r, lists.get("allow"), "lists.allow") : allow;
                deny = lists.containsKey("deny") ? readList(r, lists.get("deny"), "lists.deny") : deny;
                crossCheckLists(r, top.get("lists"), allow, deny);
            }
        }
        CampaignSettings campaign = top.containsKey("campaign")
                ? CampaignPolicyReader.read(r, top.get("campaign")) : CampaignSettings.DISABLED;
        PeerIndicatorSettings peerIndicators = top.containsKey("peer-indicators")
                ? readPeerIndicators(r, top.get("peer-indicators")) : PeerIndicatorSettings.DISABLED;
        if (!r.errors().isEmpty() || features == null || campaign == null || peerIndicators == null) {
            return null;
        }
        FeatureExtractor extractor = new FeatureExtractor(features.capabilities(), features.cotElicitation(),
                features.minCapabilityMatches());
        return new Policy(version, hash, name, mode, defaultTier, tiers, features, bands, allow, deny,
                extractor, new Scorer(signals), tokenBudgets, campaign, peerIndicators);
    }

    /** Tier names as declared, whether or not their settings are valid (avoids cascading errors). */
    private static Set<String> tierNames(Node tiers) {
        Set<String> names = new LinkedHashSet<>();
        if (tiers instanceof org.yaml.snakeyaml.nodes.MappingNode m) {
            for (var tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof org.yaml.snakeyaml.nodes.ScalarNode k) {
                    names.add(k.getValue());
                }
            }
        }
        return names;
    }

    private static Map<String, TierLimits> readTiers(YamlReader r, Node node, Map<String, TokenBudget> budgets) {
        Map<String, Node> entries = r.mapping(node, "tiers", null);
        Map<String, TierLimits> tiers = new LinkedHashMap<>();
        if (entries == null) {
            return tiers;
        }
        if (entries.isEmpty()) {
            r.error(node, "tiers", "must define at least one tier");
        }
        for (Map.Entry<String, Node> e : entries.entrySet()) {
            String path = "tiers." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                r.error(e.getValue(), path, "tier names are lower-case letters, digits and '-'");
                continue;
            }
            Map<String, Node> t = r.mapping(e.getValue(), path, TIER);
            if (t == null) {
                continue;
            }
            Long perMinute = t.containsKey("requests-per-minute")
                    ? r.integer(t.get("requests-per-minute"), path + ".requests-per-minute", 0, 100_000_000) : Long.valueOf(0);
            Long perDay = t.containsKey("requests-per-day")
                    ? r.integer(t.get("requests-per-day"), path + ".requests-per-day", 0, 10_000_000_000L) : Long.valueOf(0);
            if (!t.containsKey("requests-per-minute") && !t.containsKey("requests-per-day")) {
                r.error(e.getValue(), path, "set requests-per-minute and/or requests-per-day (0 means unlimited)");
            }
            if (perMinute != null && perDay != null) {
                if (perMinute > 0 && perDay > 0 && perDay < perMinute) {
                    r.error(t.get("requests-per-day"), path + ".requests-per-day",
                            "must be at least requests-per-minute (" + perMinute + "), was " + perDay);
                }
                TierLimits.Batches batches = TierLimits.Batches.EVALUATE;
                if (t.containsKey("batches")) {
                    String b = r.string(t.get("batches"), path + ".batches");
                    if ("refuse".equals(b)) {
                        batches = TierLimits.Batches.REFUSE;
                    } else if (b != null && !"evaluate".equals(b)) {
                        r.error(t.get("batches"), path + ".batches", "must be evaluate or refuse, was '" + b + "'");
                    }
                }
                tiers.put(e.getKey(), new TierLimits(e.getKey(), perMinute, perDay, batches));
            }
            TokenBudget budget = TokenBudgets.read(r, t, path);
            if (budget != null && !budget.unlimited()) {
                budgets.put(e.getKey(), budget);
            }
        }
        return tiers;
    }

    private static FeatureSettings readFeatures(YamlReader r, Node node) {
        Map<String, Node> f = r.mapping(node, "features", FEATURES);
        if (f == null) {
            return null;
        }
        r.require(f, node, "features", "capabilities", "cot-elicitation");
        Double similarity = f.containsKey("template-similarity")
                ? r.number(f.get("template-similarity"), "features.template-similarity", 0.05, 1.0) : Double.valueOf(0.5);
        Long minMatches = f.containsKey("min-capability-matches")
                ? r.integer(f.get("min-capability-matches"), "features.min-capability-matches", 1, 20) : Long.valueOf(2);
        Double prior = f.containsKey("evidence-prior")
                ? r.number(f.get("evidence-prior"), "features.evidence-prior", 0, 1000) : Double.valueOf(4);
        Map<CapabilityArea, List<String>> lexicons = new EnumMap<>(CapabilityArea.class);
        if (f.containsKey("capabilities")) {
            Set<String> areaIds = new LinkedHashSet<>();
            for (CapabilityArea a : CapabilityArea.values()) {
                areaIds.add(a.id());
            }
            Map<String, Node> areas = r.mapping(f.get("capabilities"), "features.capabilities", areaIds);
            if (areas != null) {
                for (Map.Entry<String, Node> e : areas.entrySet()) {
                    String path = "features.capabilities." + e.getKey();
                    List<String> phrases = phrases(r, e.getValue(), path);
                    if (phrases != null) {
                        lexicons.put(CapabilityArea.byId(e.getKey()).orElseThrow(), phrases);
                    }
                }
            }
        }
        List<String> cot = f.containsKey("cot-elicitation")
                ? phrases(r, f.get("cot-elicitation"), "features.cot-elicitation") : List.of();
        if (similarity == null || minMatches == null || prior == null || cot == null) {
            return null;
        }
        return new FeatureSettings(similarity, minMatches.intValue(), prior, lexicons, cot);
    }

    /** A lexicon: non-empty, each phrase with at least one word, no duplicates after normalisation. */
    private static List<String> phrases(YamlReader r, Node node, String path) {
        List<String> phrases = r.strings(node, path);
        if (phrases == null) {
            return null;
        }
        if (phrases.isEmpty()) {
            r.error(node, path, "must list at least one phrase");
        }
        Set<String> seen = new HashSet<>();
        List<Node> items = ((org.yaml.snakeyaml.nodes.SequenceNode) node).getValue();
        for (int i = 0; i < phrases.size() && i < items.size(); i++) {
            String phrase = phrases.get(i);
            if (PhraseMatcher.tokenCount(phrase) == 0) {
                r.error(items.get(i), path + "[" + i + "]", "'" + phrase + "' contains no letters or digits");
            } else if (!seen.add(PhraseMatcher.canonical(phrase))) {
                r.error(items.get(i), path + "[" + i + "]", "'" + phrase + "' is listed twice");
            }
        }
        return phrases;
    }

    private static List<Signal> readSignals(YamlReader r, Node node) {
        Set<String> ids = new LinkedHashSet<>();
        for (SignalKind k : SignalKind.values()) {
            ids.add(k.id());
        }
        Map<String, Node> entries = r.mapping(node, "signals", ids);
        List<Signal> signals = new ArrayList<>();
        if (entries == null) {
            return signals;
        }
        for (Map.Entry<String, Node> e : entries.entrySet()) {
            SignalKind kind = SignalKind.byId(e.getKey()).orElseThrow();
            String path = "signals." + e.getKey();
            Set<String> allowed = new LinkedHashSet<>(List.of("weight", "mode"));
            for (SignalKind.ParamSpec p : kind.params()) {
                allowed.add(p.name());
            }
            Map<String, Node> s = r.mapping(e.getValue(), path, allowed);
            if (s == null) {
                continue;
            }
            r.require(s, e.getValue(), path, "weight");
            Double weight = s.containsKey("weight") ? r.number(s.get("weight"), path + ".weight", 0, 100) : null;
            Mode mode = s.containsKey("mode") ? r.choice(s.get("mode"), path + ".mode", MODES) : Mode.ENFORCE;
            Map<String, Double> params = new HashMap<>();
            boolean ok = Params.read(r, s, path, kind.params(), params) && weight != null && mode != null;
            for (SignalKind.ParamSpec spec : kind.params()) { // every "…low" / "…high" pair: low < high
                if (!spec.name().endsWith("low")) {
                    continue;
                }
                String low = spec.name();
                String high = low.substring(0, low.length() - 3) + "high";
                if (params.containsKey(low) && params.containsKey(high) && params.get(low) >= params.get(high)) {
                    r.error(s.getOrDefault(high, e.getValue()), path + "." + high,
                            "must be greater than " + low + " (" + params.get(low) + "), was " + params.get(high));
                    ok = false;
                }
            }
            if (ok) {
                signals.add(kind.create(weight, mode, params));
            }
        }
        return signals;
    }

    private static List<Band> readBands(YamlReader r, Node node) {
        List<Node> items = r.sequence(node, "bands");
        List<Band> bands = new ArrayList<>();
        if (items == null) {
            return bands;
        }
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String path = "bands[" + i + "]";
            Map<String, Node> b = r.mapping(item, path, BAND);
            if (b == null) {
                continue;
            }
            r.require(b, item, path, "name", "min-score", "action");
            String name = b.containsKey("name") ? r.string(b.get("name"), path + ".name") : null;
            if (name != null && !NAME.matcher(name).matches()) {
                r.error(b.get("name"), path + ".name", "band names are lower-case letters, digits and '-', was '" + name + "'");
                name = null;
            }
            if (name != null && names.putIfAbsent(name, i) != null) {
                r.error(b.get("name"), path + ".name", "'" + name + "' is already used by bands[" + names.get(name) + "]");
            }
            Double min = b.containsKey("min-score") ? r.number(b.get("min-score"), path + ".min-score", 0, 100) : null;
            Action action = b.containsKey("action") ? r.choice(b.get("action"), path + ".action", BAND_ACTIONS) : null;
            Mode mode = b.containsKey("mode") ? r.choice(b.get("mode"), path + ".mode", MODES) : Mode.ENFORCE;
            Double factor = 1.0;
            if (b.containsKey("limit-factor")) {
                if (action != null && action != Action.THROTTLE) {
                    r.error(b.get("limit-factor"), path + ".limit-factor", "applies only to THROTTLE bands");
                }
                factor = r.number(b.get("limit-factor"), path + ".limit-factor", 0.001, 1.0);
            } else if (action == Action.THROTTLE) {
                r.error(item, path + ".limit-factor", "required for THROTTLE bands (share of the tier's limits still admitted, e.g. 0.5)");
            }
            Double tokenFactor = factor;
            if (b.containsKey("token-factor")) {
                if (action != null && action != Action.THROTTLE) {
                    r.error(b.get("token-factor"), path + ".token-factor", "applies only to THROTTLE bands");
                }
                tokenFactor = r.number(b.get("token-factor"), path + ".token-factor", 0.001, 1.0);
            }
            ChallengeKind challenge = null;
            if (b.containsKey("challenge")) {
                if (action != null && action != Action.CHALLENGE) {
                    r.error(b.get("challenge"), path + ".challenge", "applies only to CHALLENGE bands");
                }
                challenge = r.choice(b.get("challenge"), path + ".challenge", CHALLENGES);
            } else if (action == Action.CHALLENGE) {
                challenge = ChallengeKind.PROOF_OF_WORK;
            }
            Duration ttl = null;
            if (b.containsKey("verdict-ttl")) {
                if (action == Action.THROTTLE) {
                    r.error(b.get("verdict-ttl"), path + ".verdict-ttl", "applies only to CHALLENGE and BLOCK bands");
                }
                ttl = r.duration(b.get("verdict-ttl"), path + ".verdict-ttl");
            }
            ProofOfWorkSettings pow = readProofOfWork(r, b, path, action, challenge);
            Degrade degrade = readDegrade(r, b, path, action, challenge);
            if (name != null && min != null && action != null && mode != null && factor != null && tokenFactor != null
                    && (pow != null || challenge != ChallengeKind.PROOF_OF_WORK)
                    && (degrade != null || action != Action.ALLOW)) {
                bands.add(new Band(name, min, action, factor, challenge, ttl, mode, tokenFactor, pow, degrade));
            }
        }
        bands.sort(Comparator.comparingDouble(Band::minScore));
        for (int i = 1; i < bands.size(); i++) {
            Band lower = bands.get(i - 1);
            Band higher = bands.get(i);
            Node at = items.get(names.getOrDefault(higher.name(), 0));
            if (lower.minScore() == higher.minScore()) {
                r.error(at, "bands[" + names.get(higher.name()) + "].min-score", "band '" + higher.name()
                        + "' starts at the same score as band '" + lower.name() + "' (" + lower.minScore() + ")");
            } else if (lower.action().moreSevereThan(higher.action())) {
                r.error(at, "bands[" + names.get(higher.name()) + "].action", "band '" + higher.name() + "' ("
                        + higher.action() + " from " + higher.minScore() + ") is milder than the lower band '"
                        + lower.name() + "' (" + lower.action() + " from " + lower.minScore()
                        + "); actions must not get milder as the score rises");
            }
        }
        return bands;
    }

    private static final Set<String> PEER_INDICATORS = ordered("weight", "min-confidence", "mode", "export-tlp");
    private static final Map<String, Tlp> TLPS = orderedMap("clear", Tlp.CLEAR, "green", Tlp.GREEN, "amber", Tlp.AMBER,
            "amber+strict", Tlp.AMBER_STRICT, "red", Tlp.RED);

    private static PeerIndicatorSettings readPeerIndicators(YamlReader r, Node node) {
        Map<String, Node> m = r.mapping(node, "peer-indicators", PEER_INDICATORS);
        if (m == null) {
            return null;
        }
        r.require(m, node, "peer-indicators", "weight");
        Double weight = m.containsKey("weight") ? r.number(m.get("weight"), "peer-indicators.weight", 0, 100) : null;
        Long min = m.containsKey("min-confidence")
                ? r.integer(m.get("min-confidence"), "peer-indicators.min-confidence", 0, 100) : Long.valueOf(50);
        Mode mode = m.containsKey("mode") ? r.choice(m.get("mode"), "peer-indicators.mode", MODES) : Mode.ENFORCE;
        Tlp tlp = m.containsKey("export-tlp") ? r.choice(m.get("export-tlp"), "peer-indicators.export-tlp", TLPS) : Tlp.AMBER;
        return weight == null || min == null || mode == null || tlp == null ? null
                : new PeerIndicatorSettings(weight, min.intValue(), mode, tlp);
    }

    /**
     * What a DEGRADE band (action ALLOW) withholds, or a proof-of-work CHALLENGE band from the requests
     * its solved challenges let through (only when it sets one of the keys); defaults for what it leaves
     * out; null otherwise or after an error.
     */
    private static Degrade readDegrade(YamlReader r, Map<String, Node> b, String path, Action action,
                                       ChallengeKind challenge) {
        List<String> keys = List.of("thinking-budget", "reasoning-effort", "max-choices");
        boolean passes = action == Action.CHALLENGE && challenge == ChallengeKind.PROOF_OF_WORK;
        if (action != Action.ALLOW && !passes) {
            for (String key : keys) {
                if (b.containsKey(key)) {
                    r.error(b.get(key), path + "." + key, "applies only to DEGRADE bands and proof-of-work CHALLENGE bands");
                }
            }
            return null;
        }
        if (passes && keys.stream().noneMatch(b::containsKey)) {
            return null; // a solved challenge restores full reasoning
        }
        Degrade d = Degrade.DEFAULT;
        Long budget = b.containsKey("thinking-budget")
                ? r.integer(b.get("thinking-budget"), path + ".thinking-budget", 0, 1_000_000) : Long.valueOf(d.thinkingBudget());
        if (budget != null && budget > 0 && budget < 1024) {
            r.error(b.get("thinking-budget"), path + ".thinking-budget", "0 turns thinking off; a cap is at least 1024 (the API's minimum), was " + budget);
            budget = null;
        }
        String effort = b.containsKey("reasoning-effort")
                ? r.choice(b.get("reasoning-effort"), path + ".reasoning-effort", EFFORTS) : d.reasoningEffort();
        Long choices = b.containsKey("max-choices")
                ? r.integer(b.get("max-choices"), path + ".max-choices", 1, 128) : Long.valueOf(d.maxChoices());
        return budget == null || effort == null || choices == null ? null
                : new Degrade(budget.intValue(), effort, choices.intValue());
    }

    private static final Map<String, String> EFFORTS = orderedMap("none", "none", "minimal", "minimal", "low", "low", "medium", "medium");

    /** Proof-of-work settings of a CHALLENGE band; defaults for what it leaves out; null after an error. */
    private static ProofOfWorkSettings readProofOfWork(YamlReader r, Map<String, Node> b, String path, Action action,
                                                      ChallengeKind challenge) {
        List<String> keys = List.of("pow-min-bits", "pow-max-bits", "pass-requests", "pass-ttl", "challenge-ttl");
        boolean pow = action == Action.CHALLENGE && challenge == ChallengeKind.PROOF_OF_WORK;
        if (!pow) {
            for (String key : keys) {
                if (b.containsKey(key)) {
                    r.error(b.get(key), path + "." + key, "applies only to CHALLENGE bands with challenge: proof-of-work");
                }
            }
            return null;
        }
        ProofOfWorkSettings d = ProofOfWorkSettings.DEFAULT;
        Long minBits = b.containsKey("pow-min-bits") ? r.integer(b.get("pow-min-bits"), path + ".pow-min-bits", 1, 32)
                : Long.valueOf(d.minBits());
        Long maxBits = b.containsKey("pow-max-bits") ? r.integer(b.get("pow-max-bits"), path + ".pow-max-bits", 1, 32)
                : Long.valueOf(Math.max(d.maxBits(), minBits == null ? 0 : minBits));
        Long requests = b.containsKey("pass-requests")
                ? r.integer(b.get("pass-requests"), path + ".pass-requests", 1, 100_000) : Long.valueOf(d.passRequests());
        Duration passTtl = b.containsKey("pass-ttl") ? r.duration(b.get("pass-ttl"), path + ".pass-ttl") : d.passTtl();
        Duration challengeTtl = b.containsKey("challenge-ttl")
                ? r.duration(b.get("challenge-ttl"), path + ".challenge-ttl") : d.challengeTtl();
        if (minBits != null && maxBits != null && maxBits < minBits) {
            r.error(b.get("pow-max-bits"), path + ".pow-max-bits",
                    "must be at least pow-min-bits (" + minBits + "), was " + maxBits);
            return null;
        }
        if (minBits == null || maxBits == null || requests == null || passTtl == null || challengeTtl == null) {
            return null;
        }
        return new ProofOfWorkSettings(minBits.intValue(), maxBits.intValue(), requests.intValue(), passTtl, challengeTtl);
    }

    private static IdentityLists readList(YamlReader r, Node node, String path) {
        Map<String, Node> l = r.mapping(node, path, LIST);
        if (l == null) {
            return IdentityLists.EMPTY;
        }
        List<String> accounts = l.containsKey("accounts") ? r.strings(l.get("accounts"), path + ".accounts") : List.of();
        List<String> orgs = l.containsKey("orgs") ? r.strings(l.get("orgs"), path + ".orgs") : List.of();
        List<String> payments = l.containsKey("payment-fingerprints")
                ? r.strings(l.get("payment-fingerprints"), path + ".payment-fingerprints") : List.of();
        return new IdentityLists(
                accounts == null ? Set.of() : new HashSet<>(accounts),
                orgs == null ? Set.of() : new HashSet<>(orgs),
                payments == null ? Set.of() : new HashSet<>(payments));
    }

    private static void crossCheckLists(YamlReader r, Node node, IdentityLists allow, IdentityLists deny) {
        for (String a : allow.accounts()) {
            if (deny.accounts().contains(a)) {
                r.error(node, "lists", "account '" + a + "' is on both the allow and the deny list");
            }
        }
        for (String o : allow.orgs()) {
            if (deny.orgs().contains(o)) {
                r.error(node, "lists", "org '" + o + "' is on both the allow and the deny list");
            }
        }
        for (String p : allow.paymentFingerprints()) {
            if (deny.paymentFingerprints().contains(p)) {
                r.error(node, "lists", "payment fingerprint '" + p + "' is on both the allow and the deny list");
            }
        }
    }

    private static PolicyException single(String name, String message) {
        return new PolicyException(List.of(new PolicyError(name, 0, "", message)));
    }

    private static String sha256(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> ordered(String... keys) {
        return new LinkedHashSet<>(List.of(keys));
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> orderedMap(Object... kv) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (V) kv[i + 1]);
        }
        return m;
    }
}
