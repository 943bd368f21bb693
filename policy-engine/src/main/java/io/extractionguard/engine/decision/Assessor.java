package io.extractionguard.engine.decision;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.campaign.RequestIndicators;
import io.extractionguard.engine.campaign.StructureSettings;
import io.extractionguard.engine.correlation.CampaignDetector;
import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.intel.CampaignEvidence;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.policy.PeerIndicatorSettings;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.score.RiskScore;
import io.extractionguard.engine.score.SignalContext;
import io.extractionguard.engine.spi.CampaignSanctions;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.spi.HistoryLedger;
import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.Verdict;

/**
 * Scores a request: observes it in the account's profile and the campaign state, adds campaign
 * and peer-indicator contributions, and puts the verdict of a campaign sanction it falls under. What
 * the score does not read goes to the decision's {@link Commit}.
 */
final class Assessor {

    private final StateStore store;
    private final CampaignDetector campaigns;
    /** Null when the engine keeps none ({@link GuardEngine.Builder#withoutEvidence}). */
    private final CampaignEvidence evidence;
    private final IndicatorRegistry indicators;
    private final CampaignSanctions sanctions;
    private final HistoryLedger history;

    Assessor(StateStore store, CampaignDetector campaigns, CampaignEvidence evidence, IndicatorRegistry indicators,
             CampaignSanctions sanctions, HistoryLedger history) {
        this.history = history;
        this.store = store;
        this.campaigns = campaigns;
        this.evidence = evidence;
        this.indicators = indicators;
        this.sanctions = sanctions;
    }

    /**
     * Observes a prepared request in the account's profile and campaign state, and scores it; what the score does not
     * read (the claimed-history record, shareable evidence, a sanction's reached accounts) goes to {@code commit}.
     */
    RiskScore assess(PreparedRequest prepared, Instant now, Commit commit) {
        prepared = verifyHistory(prepared, now, commit);
        Policy p = prepared.policy();
        GuardRequest request = prepared.request();
        RequestFeatures features = prepared.features();
        ClientIdentity id = request.identity();
        TierLimits tier = p.tierLimits(id.tier());
        ProfileStats stats = store.observe(id.accountId(),
                new Observation(now.toEpochMilli(), features, p.features().templateSimilarity()),
                p.features().evidencePrior());
        SignalContext context = new SignalContext(id, features, stats, tier, now);
        RiskScore risk = p.scorer().score(context);
        List<Contribution> extra = campaigns.evaluate(p.campaign(), prepared.indicators(), risk.score(),
                p.features().evidencePrior(), now.toEpochMilli());
        if (!extra.isEmpty() && evidence != null) {
            List<Contribution> found = extra;
            byte[] sketch = features.sketch();
            commit.add(() -> evidence.record(found, id, sketch, now));
        }
        Contribution peer = peerIndicator(p, id, features, now);
        if (peer != null) {
            extra = new ArrayList<>(extra);
            extra.add(peer);
        }
        if (!extra.isEmpty()) {
            risk = p.scorer().score(context, extra);
        }
        applySanction(prepared.indicators(), id, now, commit);
        return risk;
    }

    /** Most unverified earlier user text read as a request's content (the newest part of it). */
    static final int MAX_UNVERIFIED_READ = 16_384;

    /**
     * Claimed-history verification ({@link StructureSettings.ClaimedHistoryCheck}): records the request's user-turn
     * sequence as sent by its account and, when its claimed earlier user text goes beyond what the account is known to
     * have sent, or its claimed assistant text beyond the answers it is known to have been sent (where answers are
     * read: {@link ClaimedHistory#answersRead()}), counts that text as new — in the conversation shape (no conversing credit for it) and, under READ
     * after a short last turn, in the features (its problems are the request's asks). Nothing else changes: being
     * unverified adds no points by itself, so an unknown history (begun elsewhere, another replica, a restart) costs
     * at most the discount of this request.
     */
    private PreparedRequest verifyHistory(PreparedRequest prepared, Instant now, Commit commit) {
        Policy p = prepared.policy();
        StructureSettings st = p.campaign().structure();
        if (!p.campaign().enabled() || !st.enabled() || !st.claimedHistory().verifies()) {
            return prepared;
        }
        InferenceRequest inference = prepared.request().inference();
        ClaimedHistory claimed = inference.claimed();
        if (claimed.state() == 0) {
            return prepared;
        }
        // claimed assistant turns: checked only where answers are read (the gateway); a replay has none to check
        long verifiedAnswers = claimed.answersRead()
                ? history.verifiedAnswers(prepared.indicators().accountHash(), claimed, now.toEpochMilli())
                : claimed.answerChars();
        RequestIndicators indicators = prepared.indicators();
        long account = indicators.accountHash();
        long unverified = claimed.chars() - history.verified(account, claimed, now.toEpochMilli());
        commit.add(() -> history.record(account, claimed, now.toEpochMilli()));
        if (unverified <= 0) {
            if (verifiedAnswers == claimed.answerChars()) {
                return prepared;
            }
        }
        long verified = claimed.chars() - unverified;
        unverified += claimed.answerChars() - verifiedAnswers;
        RequestIndicators.Conversation c = indicators.conversation();
        RequestIndicators.Conversation shape = new RequestIndicators.Conversation(c.turns(),
                Math.max(0, c.historyChars() - unverified), c.totalChars(), c.root());
        RequestFeatures features = prepared.features();
        if (st.claimedHistory() == StructureSettings.ClaimedHistoryCheck.READ
                && inference.lastUserText().length() <= st.followUpHigh()) {
            String text = claimed.unverifiedText(verified, verifiedAnswers);
            if (text.length() > MAX_UNVERIFIED_READ) {
                text = text.substring(text.length() - MAX_UNVERIFIED_READ);
            }
            if (!text.isEmpty()) {
                features = p.extractor().extract(inference.withLastUserText(
                        inference.lastUserText().isEmpty() ? text : text + "\n" + inference.lastUserText()));
            }
        }
        return new PreparedRequest(prepared.request(), p, features,
                Indicators.extract(p.campaign(), prepared.request().identity(), features, shape));
    }

    /**
     * Puts the verdict of a campaign sanction this account belongs or links to, unless the account
     * already has it, a block (when the sanction challenges) or an operator's allow. Local reads only;
     * the sanction registry records the account in the commit, then off the request path.
     */
    private void applySanction(RequestIndicators r, ClientIdentity id, Instant now, Commit commit) {
        Optional<CampaignSanction> match = sanctions.match(r, now);
        if (match.isEmpty()) {
            return;
        }
        CampaignSanction s = match.get();
        Optional<Verdict> current = store.verdict(id.accountId(), now);
        if (current.isPresent() && (current.get().kind() == Verdict.Kind.ALLOW
                || current.get().source().equals("campaign/" + s.id())
                || current.get().kind() == Verdict.Kind.BLOCK && s.action() == Verdict.Kind.CHALLENGE)) {
            return;
        }
        store.putVerdict(id.accountId(), new Verdict(s.action(), s.expiresAt(), "campaign/" + s.id(),
                List.of(s.reasonId()), s.reason()));
        long hash = r.accountHash() & Long.MAX_VALUE;
        CampaignSanction.Penalised penalised = new CampaignSanction.Penalised(id.accountId(), id.paymentFingerprint(),
                now, !s.members().contains(hash));
        commit.add(() -> sanctions.reached(s.id(), penalised, hash));
    }

    /** The contribution of an imported peer indicator matching this request, or null. */
    Contribution peerIndicator(Policy p, ClientIdentity id, RequestFeatures features, Instant now) {
        PeerIndicatorSettings s = p.peerIndicators();
        if (s.weight() <= 0) {
            return null;
        }
        return indicators.index(now).match(id, features.sketch(), now)
                .filter(m -> m.indicator().confidence() >= s.minConfidence())
                .map(m -> {
                    double strength = m.indicator().confidence() / 100.0;
                    return new Contribution("peer-indicator/" + kindId(m.indicator().kind()),
                            Math.round(strength * 10.0) / 10.0, Math.round(strength * s.weight() * 10.0) / 10.0,
                            s.mode() == Mode.SHADOW);
                }).orElse(null);
    }

    private static String kindId(Indicator.Kind kind) {
        return switch (kind) {
            case PAYMENT_FINGERPRINT -> "payment";
            case CLIENT_JA4 -> "client";
            case IP_PREFIX -> "network";
            case PROMPT_TEMPLATE -> "template";
        };
    }

    /**
     * How {@code prepared} would be judged at {@code now}, recording nothing: scored without
     * observing it, and judged by the {@link Standing} before limits.
     */
    Explanation explain(PreparedRequest prepared, Instant now) {
        Policy p = prepared.policy();
        ClientIdentity id = prepared.request().identity();
        Optional<ProfileStats> known = store.peek(id.accountId(), now, p.features().evidencePrior());
        RiskScore risk = peek(prepared, known, now);
        double uncapped = 0;
        for (Contribution c : risk.contributions()) {
            uncapped += c.shadow() ? 0 : c.points();
        }
        Verdict verdict = store.verdict(id.accountId(), now).orElse(null);
        Standing standing = Standing.of(p, id, risk.score(), () -> Optional.ofNullable(verdict));
        Band band = p.bandFor(risk.score());
        Action action = standing.action();
        if (p.mode() == Mode.SHADOW && action != Action.ALLOW) {
            action = Action.SHADOW;
        }
        return new Explanation(id.accountId(), risk.score(), Math.round(uncapped * 10.0) / 10.0, risk.shadowScore(),
                risk.contributions(), band == null ? null : band.name(), verdict,
                standing.denied() != null ? "deny-" + standing.denied()
                        : standing.allowed() != null ? "allow-" + standing.allowed() : null, action,
                known.orElse(null), p.label());
    }

    /** The request's score against the account's profile as it stands, recording nothing. */
    RiskScore peek(PreparedRequest prepared, Instant now) {
        Policy p = prepared.policy();
        return peek(prepared, store.peek(prepared.request().identity().accountId(), now, p.features().evidencePrior()), now);
    }

    private RiskScore peek(PreparedRequest prepared, Optional<ProfileStats> known, Instant now) {
        Policy p = prepared.policy();
        ClientIdentity id = prepared.request().identity();
        double prior = p.features().evidencePrior();
        ProfileStats stats = known.orElseGet(() -> new AccountProfile().stats(now.toEpochMilli(), prior));
        SignalContext context = new SignalContext(id, prepared.features(), stats, p.tierLimits(id.tier()), now);
        Contribution peer = peerIndicator(p, id, prepared.features(), now);
        return peer == null ? p.scorer().score(context) : p.scorer().score(context, List.of(peer));
    }
}
