package io.extractionguard.engine.campaign;

import java.time.Duration;

import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.score.Scorer;

/**
 * Structural conviction (issue 16): a coordinated cluster is recognised by its shape, whatever its
 * wording, output budget or share of reasoning asks. Its accounts are <em>young</em>, they send
 * <em>standalone</em> requests (a distiller wants independent samples, never a follow-up: a faked
 * earlier exchange is not the account's previous request), and they are linked to other such
 * accounts through <em>rare</em> shared values (card, network, creation window, client, cadence).
 * What protects the legitimate groups of that shape — a team on one card and NAT, a classroom, a
 * campus — is that people and agents <em>continue</em> their conversations.
 *
 * <p>An account's structural suspicion is {@code youth × standalone}; it is shared through the
 * indicators like behavioural suspicion (the larger of the two). A request gets the {@code
 * campaign/cluster} contribution, {@code youth × links}, when at least {@code min-kinds} of its
 * values carry evidence of at least {@code kind-strength} (summed suspicion of the others × rarity).
 * An account that converses ({@code conversing} ramp of its continued share) has its suspicion and
 * its campaign contributions scaled down by the same ramp.
 *
 * @param weight          points of {@code campaign/cluster} at full strength (0 turns the whole step off)
 * @param mode            ENFORCE or SHADOW
 * @param young           accounts at most this old are fully young
 * @param old             accounts at least this old are not young at all (unknown age: not young)
 * @param standaloneLow   standalone share (shrunk) at or below which an account is no structural suspect
 * @param standaloneHigh  standalone share from which it is a full one
 * @param conversingLow   continued share at or below which nothing is discounted
 * @param conversingHigh  continued share from which the account's suspicion and campaign evidence are 0
 * @param minKinds        indicator kinds that must carry evidence for {@code campaign/cluster}
 * @param kindStrength    evidence (heat × rarity) a kind needs to count
 * @param outputLow       requested output budget at or below which a request gets no {@code campaign/cluster}:
 *                        a one-line answer is worth nothing to a distiller, and a person who happens to share a
 *                        cluster's network and client asking for one is not convicted with it
 * @param outputHigh      budget from which it gets the full contribution (a budget left to the model's default counts as high)
 * @param followUpLow     characters of a continuation's new user turn up to which it counts fully as conversing:
 *                        a follow-up ("why does that work for an empty list?") is short, a faked continuation
 *                        carries a whole new problem in its new turn
 * @param followUpHigh    characters from which a continuation counts as standalone (infinite: every continuation
 *                        converses, the rule before policy 2026-12-07.3)
 * @param reputation      the reputation degrade ({@link Reputation#OFF}: none)
 * @param claimedHistory  whether a request's claimed earlier user turns are checked against what the account sent
 *                        ({@link ClaimedHistoryCheck}; policy 2026-12-07.8)
 */
public record StructureSettings(double weight, Mode mode, Duration young, Duration old, double standaloneLow,
                                double standaloneHigh, double conversingLow, double conversingHigh, int minKinds,
                                double kindStrength, double outputLow, double outputHigh, double followUpLow,
                                double followUpHigh, Reputation reputation, ClaimedHistoryCheck claimedHistory) {

    /** Settings without claimed-history verification (the rule before policy 2026-12-07.8). */
    public StructureSettings(double weight, Mode mode, Duration young, Duration old, double standaloneLow,
                             double standaloneHigh, double conversingLow, double conversingHigh, int minKinds,
                             double kindStrength, double outputLow, double outputHigh, double followUpLow,
                             double followUpHigh, Reputation reputation) {
        this(weight, mode, young, old, standaloneLow, standaloneHigh, conversingLow, conversingHigh, minKinds,
                kindStrength, outputLow, outputHigh, followUpLow, followUpHigh, reputation, ClaimedHistoryCheck.OFF);
    }

    /**
     * Claimed-history verification (issue 16; docs/campaigns.md, "Structural conviction"). The APIs are stateless,
     * so the earlier user turns of a genuine follow-up are what the same account sent before; the engine keeps
     * hashes of the user-turn sequences each account sent ({@code HistoryLedger}) and finds how much of a
     * request's claimed earlier user text lies beyond the longest sequence the account is known to have sent.
     * That unverified text counts as new: a continuation is judged as a follow-up by its new turn <em>plus</em>
     * the unverified text, so a new problem hidden in an invented earlier turn is no follow-up (no conversing
     * discount). Only a discount is withheld: being unverified adds no points by itself.
     */
    public enum ClaimedHistoryCheck {
        /** Claimed history is taken as sent (the rule before policy 2026-12-07.8). */
        OFF,
        /** Unverified earlier user text counts as the continuation's new text (no conversing credit). */
        VERIFY,
        /**
         * As VERIFY; and when the last user turn is short (at most the follow-up ramp's {@code high}), the
         * unverified earlier user turns are also read as the request's content (its features and template),
         * since that is where its new problem is.
         */
        READ;

        public boolean verifies() {
            return this != OFF;
        }
    }

    /**
     * Reputation degrade (policy 2026-12-07.3): an account without reputation yet (newer than {@code old},
     * fully new up to {@code young}) whose traffic is harvesting-shaped (standalone, mean content on the
     * {@code content} ramp) and that asks for a long answer is answered without the reasoning it asked
     * for through the API, whatever its score: strength = newness × standalone ramp × content ramp ×
     * template ramp × conversing factor, degraded from {@code at}. Nothing links a campaign that buys one card and one
     * address per account, but it cannot buy reputation: its accounts are weeks old and every request is
     * an independent capability sample.
     *
     * @param young       accounts at most this old are fully new
     * @param old         accounts at least this old (or of unknown age) are never degraded by it
     * @param contentLow  mean content score at or below which nothing is degraded
     * @param contentHigh mean content score from which the content factor is full
     * @param templateLow  the account's template evidence (its asks fall into buckets other accounts fill with
     *                     harvesting-shaped prompts around distinct problems) at or below which nothing is degraded
     * @param templateHigh template evidence from which the template factor is full
     * @param at          strength from which a request is degraded (infinite: never)
     * @param weight      points of {@code campaign/reputation} at full conviction (0: it only degrades, the rule
     *                    before policy 2026-12-07.5)
     * @param convictLow  strength at or below which it adds no points
     * @param convictHigh strength from which it adds {@code weight}: sustained, templated, standalone harvesting from
     *                    an account without reputation convicts it (blocked with the rest of its score), so the
     *                    campaign must replace it, where a degrade alone leaves it harvesting its mixed-in requests
     * @param orgMembers  org vouching (policy 2026-12-08.1; 0: off): a declared organisation vouches for its young
     *                    member when it has at least this many other sampled members and the member's card is shared
     *                    by more than this many accounts (the organisation pays for its people)
     * @param orgSuspicionLow  mean suspicion of the organisation's other sampled members at or below which it vouches
     *                    fully (they converse, or ask for nothing a distiller wants)
     * @param orgSuspicionHigh mean suspicion from which it does not vouch at all
     * @param rotationLow  age lost to rotation (policy 2026-12-08.3; infinite: off): the account's rotation strength
     *                    ({@link RotationSettings#strength}: distinct clients or networks among its recent requests)
     *                    at or below which its age still counts as reputation
     * @param rotationHigh rotation strength from which an account of any age counts as without reputation: an old
     *                    account's age vouches for whoever held it, not for traffic that now arrives through a
     *                    different address or client on every request (a bought or warmed account being harvested
     *                    through residential proxies)
     * @param recentContent for an account new by rotation, the content factor reads the larger of its day mean and its
     *                    recent content mean ({@link AccountState#recentContent}; policy 2026-12-08.3): an aged account
     *                    that switches from ordinary traffic to harvesting is judged by what it sends now, not by its
     *                    day's average (an account new by its age keeps the day mean: its prior is its evidence)
     */
    public record Reputation(Duration young, Duration old, double contentLow, double contentHigh, double templateLow,
                             double templateHigh, double at, double weight, double convictLow, double convictHigh,
                             int orgMembers, double orgSuspicionLow, double orgSuspicionHigh, double rotationLow,
                             double rotationHigh, boolean recentContent) {
        public static final Reputation OFF = new Reputation(Duration.ofDays(30), Duration.ofDays(90), 0.4, 0.6, -1, 0,
                Double.POSITIVE_INFINITY, 0, 0.5, 1);

        /** Without age lost to rotation, on the day content mean (the rule before policy 2026-12-08.3). */
        public Reputation(Duration young, Duration old, double contentLow, double contentHigh, double templateLow,
                          double templateHigh, double at, double weight, double convictLow, double convictHigh,
                          int orgMembers, double orgSuspicionLow, double orgSuspicionHigh) {
            this(young, old, contentLow, contentHigh, templateLow, templateHigh, at, weight, convictLow, convictHigh,
                    orgMembers, orgSuspicionLow, orgSuspicionHigh, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                    false);
        }

        /** Without org vouching (the rule before policy 2026-12-08.1). */
        public Reputation(Duration young, Duration old, double contentLow, double contentHigh, double templateLow,
                          double templateHigh, double at, double weight, double convictLow, double convictHigh) {
            this(young, old, contentLow, contentHigh, templateLow, templateHigh, at, weight, convictLow, convictHigh, 0, 0,
                    0);
        }

        /**
         * How much the account's declared organisation vouches for it, in [0, 1] (the reputation strength is
         * multiplied by 1 − this). An org header is a declaration anyone can make, so the organisation must show
         * what a campaign's declared organisation cannot: several members ({@code orgMembers}; an org per account
         * vouches for nobody), one card they share (an org spread over many cards pays for no one), and members who
         * are not suspects (their suspicion is already discounted when they converse; an org declared over a
         * campaign's accounts fills with suspects as they harvest).
         *
         * @param org     the request's org value as the account sees it, null when it declares none
         * @param payment its payment value, null when it has none
         */
        public double orgVouch(IndicatorEvidence org, IndicatorEvidence payment) {
            if (orgMembers <= 0 || org == null || payment == null || org.otherMembers() < orgMembers
                    || payment.distinct() <= orgMembers) {
                return 0;
            }
            double meanSuspicion = org.otherSuspicion() / org.otherMembers();
            return 1 - Scorer.ramp(meanSuspicion, orgSuspicionLow, orgSuspicionHigh);
        }

        public boolean enabled() {
            return at <= 1;
        }

        /** Points for a request whose reputation strength is {@code strength}. */
        public double points(double strength) {
            return weight * Scorer.ramp(strength, convictLow, convictHigh);
        }
    }

    /** No structural step: nothing is discounted, no cluster contribution. */
    public static final StructureSettings OFF = new StructureSettings(0, Mode.ENFORCE, Duration.ofDays(7),
            Duration.ofDays(30), 0.7, 0.9, 0.1, 0.25, 2, 0.4, 128, 512, Double.POSITIVE_INFINITY,
            Double.POSITIVE_INFINITY, Reputation.OFF, ClaimedHistoryCheck.OFF);

    /**
     * The reputation degrade's strength for a request asking for {@code maxOutputTokens} (-1: the model's
     * default, which counts as long) from an account in state {@code s}; 0 when it is off.
     */
    public double reputationDegrade(AccountState s, long createdMillis, long nowMillis, long maxOutputTokens,
                                    long longOutputTokens, double conversing) {
        return reputationDegrade(s, createdMillis, nowMillis, maxOutputTokens, longOutputTokens, conversing, 0);
    }

    /**
     * As {@link #reputationDegrade(AccountState, long, long, long, long, double)}, for an account whose rotation
     * strength is {@code rotation}: it is new by its age (on its day content mean) or by the reputation's rotation
     * ramp of that strength (on its recent content too), whichever is stronger; an account of unknown age can be new
     * by rotation, since what it sends now does not depend on when it was made.
     */
    public double reputationDegrade(AccountState s, long createdMillis, long nowMillis, long maxOutputTokens,
                                    long longOutputTokens, double conversing, double rotation) {
        if (!enabled() || !reputation.enabled() || (maxOutputTokens >= 0 && maxOutputTokens < longOutputTokens)) {
            return 0;
        }
        // an account new by its age is judged on its day mean (its recent requests are all the history it has, and
        // the prior shrinks them); one new because its infrastructure changed is judged on what it sends since then
        double byAge = createdMillis == Long.MIN_VALUE ? 0
                : 1 - Scorer.ramp(nowMillis - createdMillis, reputation.young().toMillis(), reputation.old().toMillis());
        double byRotation = Scorer.ramp(rotation, reputation.rotationLow(), reputation.rotationHigh());
        if (byAge <= 0 && byRotation <= 0) {
            return 0;
        }
        double dayContent = Scorer.ramp(s.meanContent(), reputation.contentLow(), reputation.contentHigh());
        double latestContent = reputation.recentContent()
                ? Scorer.ramp(Math.max(s.meanContent(), s.recentContent()), reputation.contentLow(), reputation.contentHigh())
                : dayContent;
        return Math.max(byAge * dayContent, byRotation * latestContent)
                * Scorer.ramp(s.standaloneShare(), standaloneLow, standaloneHigh)
                * Scorer.ramp(s.templateStrength(), reputation.templateLow(), reputation.templateHigh()) * conversing;
    }

    /** How much a request asking for {@code maxOutputTokens} (-1: the model's default) counts towards a cluster. */
    public double output(long maxOutputTokens) {
        return maxOutputTokens < 0 ? 1 : Scorer.ramp(maxOutputTokens, outputLow, outputHigh);
    }

    public boolean enabled() {
        return weight > 0;
    }

    /** 1 for an account at most {@code young} old, 0 from {@code old} on or when its age is unknown. */
    public double youth(long createdMillis, long nowMillis) {
        if (createdMillis == Long.MIN_VALUE) {
            return 0;
        }
        return 1 - Scorer.ramp(nowMillis - createdMillis, young.toMillis(), old.toMillis());
    }

    /** The account's own structural suspicion in [0, 1]. */
    public double suspicion(AccountState s, double youth) {
        return youth * Scorer.ramp(s.standaloneShare(), standaloneLow, standaloneHigh);
    }

    /** The factor (1 → 0) applied to a conversing account's suspicion and campaign evidence. */
    public double conversing(AccountState s) {
        return enabled() ? 1 - Scorer.ramp(s.continuedShare(), conversingLow, conversingHigh) : 1;
    }
}
