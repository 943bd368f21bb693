package io.extractionguard.engine.policy;

import io.extractionguard.engine.action.Mode;
import static io.extractionguard.engine.policy.Vocabulary.NAME;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.action.Action;

/**
 * Reads the {@code bands} section of a policy: each band's score, action and the options of its
 * action (throttle factors, challenge kind and proof of work, degrade), then checks that the bands
 * rise in severity with the score.
 */
final class BandsReader {

    private static final Set<String> BAND = Vocabulary.keys("name", "min-score", "action", "limit-factor",
            "challenge", "verdict-ttl", "mode", "token-factor", "pow-min-bits", "pow-max-bits", "pass-requests",
            "pass-ttl", "challenge-ttl", "thinking-budget", "reasoning-effort", "max-choices");
    private static final Map<String, Action> ACTIONS = Vocabulary.choices(
            "DEGRADE", Action.ALLOW, "THROTTLE", Action.THROTTLE, "CHALLENGE", Action.CHALLENGE, "BLOCK", Action.BLOCK);
    private static final Map<String, ChallengeKind> CHALLENGES = Vocabulary.choices(
            ChallengeKind.PROOF_OF_WORK.id(), ChallengeKind.PROOF_OF_WORK,
            ChallengeKind.VERIFICATION_HOLD.id(), ChallengeKind.VERIFICATION_HOLD);
    private static final Map<String, String> EFFORTS = Vocabulary.choices(
            "none", "none", "minimal", "minimal", "low", "low", "medium", "medium");
    private static final List<String> DEGRADE_KEYS = List.of("thinking-budget", "reasoning-effort", "max-choices");
    private static final List<String> POW_KEYS = List.of("pow-min-bits", "pow-max-bits", "pass-requests", "pass-ttl",
            "challenge-ttl");

    private BandsReader() {
    }

    /** The valid bands by rising score; an invalid one is left out (its errors are recorded). */
    static List<Band> read(YamlReader r, Node node) {
        List<Node> items = r.sequence(node, "bands");
        List<Band> bands = new ArrayList<>();
        if (items == null) {
            return bands;
        }
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            Band band = band(r, items.get(i), "bands[" + i + "]", i, names);
            if (band != null) {
                bands.add(band);
            }
        }
        bands.sort(Comparator.comparingDouble(Band::minScore));
        checkOrder(r, bands, items, names);
        return bands;
    }

    /** One band, or null after an error; its name goes into {@code names} (name to index). */
    private static Band band(YamlReader r, Node item, String path, int index, Map<String, Integer> names) {
        Map<String, Node> b = r.mapping(item, path, BAND);
        if (b == null) {
            return null;
        }
        r.require(b, item, path, "name", "min-score", "action");
        String name = b.containsKey("name") ? r.string(b.get("name"), path + ".name") : null;
        if (name != null && !NAME.matcher(name).matches()) {
            r.error(b.get("name"), path + ".name", "band names are lower-case letters, digits and '-', was '" + name + "'");
            name = null;
        }
        if (name != null && names.putIfAbsent(name, index) != null) {
            r.error(b.get("name"), path + ".name", "'" + name + "' is already used by bands[" + names.get(name) + "]");
        }
        Double min = b.containsKey("min-score") ? r.number(b.get("min-score"), path + ".min-score", 0, 100) : null;
        Action action = b.containsKey("action") ? r.choice(b.get("action"), path + ".action", ACTIONS) : null;
        Mode mode = b.containsKey("mode") ? r.choice(b.get("mode"), path + ".mode", Vocabulary.MODES) : Mode.ENFORCE;
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
        ProofOfWorkSettings pow = proofOfWork(r, b, path, action, challenge);
        Degrade degrade = degrade(r, b, path, action, challenge);
        if (name != null && min != null && action != null && mode != null && factor != null && tokenFactor != null
                && (pow != null || challenge != ChallengeKind.PROOF_OF_WORK)
                && (degrade != null || action != Action.ALLOW)) {
            return new Band(name, min, action, factor, challenge, ttl, mode, tokenFactor, pow, degrade);
        }
        return null;
    }

    /** Bands sorted by score must not share a score, and their actions must not get milder as it rises. */
    private static void checkOrder(YamlReader r, List<Band> bands, List<Node> items, Map<String, Integer> names) {
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
    }

    /**
     * What a DEGRADE band (action ALLOW) withholds, or a proof-of-work CHALLENGE band from the requests
     * its solved challenges let through (only when it sets one of the keys); defaults for what it leaves
     * out; null otherwise or after an error.
     */
    private static Degrade degrade(YamlReader r, Map<String, Node> b, String path, Action action, ChallengeKind challenge) {
        boolean passes = action == Action.CHALLENGE && challenge == ChallengeKind.PROOF_OF_WORK;
        if (action != Action.ALLOW && !passes) {
            for (String key : DEGRADE_KEYS) {
                if (b.containsKey(key)) {
                    r.error(b.get(key), path + "." + key, "applies only to DEGRADE bands and proof-of-work CHALLENGE bands");
                }
            }
            return null;
        }
        if (passes && DEGRADE_KEYS.stream().noneMatch(b::containsKey)) {
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

    /** Proof-of-work settings of a CHALLENGE band; defaults for what it leaves out; null after an error. */
    private static ProofOfWorkSettings proofOfWork(YamlReader r, Map<String, Node> b, String path, Action action,
                                                   ChallengeKind challenge) {
        boolean pow = action == Action.CHALLENGE && challenge == ChallengeKind.PROOF_OF_WORK;
        if (!pow) {
            for (String key : POW_KEYS) {
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
}
