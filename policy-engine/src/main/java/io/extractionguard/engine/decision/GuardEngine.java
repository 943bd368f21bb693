package io.extractionguard.engine.decision;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.extractionguard.engine.campaign.CampaignDetector;
import io.extractionguard.engine.campaign.CampaignListing;
import io.extractionguard.engine.campaign.CampaignStore;
import io.extractionguard.engine.campaign.CorrelationReport;
import io.extractionguard.engine.campaign.InMemoryCampaignStore;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.campaign.RequestIndicators;
import io.extractionguard.engine.challenge.ChallengeLedger;
import io.extractionguard.engine.challenge.InMemoryChallengeLedger;
import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.enforce.CampaignSanctions;
import io.extractionguard.engine.enforce.InMemoryCampaignSanctions;
import io.extractionguard.engine.enforce.SanctionKeys;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.intel.CampaignEvidence;
import io.extractionguard.engine.intel.InMemoryIndicatorRegistry;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.IndicatorRegistry;
import io.extractionguard.engine.intel.SharedEvidence;
import io.extractionguard.engine.limits.LocalRateLimiter;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.LocalTokenLimiter;
import io.extractionguard.engine.limits.RateLimiter;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenBudget;
import io.extractionguard.engine.limits.TokenLimiter;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Mode;
import io.extractionguard.engine.policy.PeerIndicatorSettings;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.score.RiskScore;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.score.SignalContext;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.InMemoryStateStore;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.StateStore;
import io.extractionguard.engine.state.Verdict;

/**
 * Decides one request: features → profile update → score → band → verdicts and limits → action.
 * The gateway and the replay CLI both call {@link #evaluate}, so a backtest runs the same code.
 *
 * <p>CPU only and non-blocking, given a {@link StateStore} and {@link RateLimiter} that answer
 * from memory. Time comes from the injected {@link Clock}; the policy from a supplier so that a
 * reloaded policy applies to the next request. Thread-safe.
 */
public final class GuardEngine {

    /** At most this many reason ids are reported per decision. */
    public static final int MAX_REASONS = 4;

    /** Reason of a THROTTLE because the account's (not risk-tightened) token budget is spent. */
    public static final String TOKEN_BUDGET = "token-budget";

    /** Reason added when a request that would be challenged is let through by a solved proof of work. */
    public static final String CHALLENGE_PASSED = "challenge-passed";

    /**
     * Prefix of the reason of an ALLOW in a DEGRADE band ({@code degrade/<band>}): answered, reasoning withheld.
     * The contract's action stays ALLOW (forwarded), so replays stay contract-valid.
     */
    public static final String DEGRADE_PREFIX = "degrade/";

    private final Supplier<Policy> policy;
    private final StateStore store;
    private final RateLimiter limiter;
    private final TokenLimiter tokens;
    private final ChallengeLedger challenges;
    private final Clock clock;
    private final CampaignDetector campaigns;
    private final IndicatorRegistry indicators;
    private final CampaignSanctions sanctions;
    private final CampaignEvidence evidence;
    private final CampaignEvidence.Fleet fleetEvidence;

    /** An engine with every collaborator in process memory on {@code clock} (replay, tests). */
    public GuardEngine(Supplier<Policy> policy, StateStore store, RateLimiter limiter, Clock clock) {
        this(builder(policy, clock).store(store).limiter(limiter));
    }

    private GuardEngine(Builder b) {
        this.policy = b.policy;
        this.clock = b.clock;
        this.store = b.store != null ? b.store : new InMemoryStateStore(b.clock);
        this.limiter = b.limiter != null ? b.limiter : new LocalRateLimiter(b.clock);
        this.tokens = b.tokens != null ? b.tokens : new LocalTokenLimiter(b.clock);
        this.challenges = b.challenges != null ? b.challenges : new InMemoryChallengeLedger(b.clock);
        this.campaigns = new CampaignDetector(b.campaigns != null ? b.campaigns : new InMemoryCampaignStore(b.clock));
        this.indicators = b.indicators != null ? b.indicators : new InMemoryIndicatorRegistry(0.8);
        this.sanctions = b.sanctions != null ? b.sanctions : new InMemoryCampaignSanctions();
        this.fleetEvidence = b.fleetEvidence;
        this.evidence = new CampaignEvidence(b.fleetEvidence != null ? b.fleetEvidence : CampaignEvidence.Listener.NONE);
    }

    /** An engine for {@code policy} on {@code clock}; collaborators not set are in process memory. */
    public static Builder builder(Supplier<Policy> policy, Clock clock) {
        return new Builder(policy, clock);
    }

    /** Assembles a {@link GuardEngine}: the gateway sets shared implementations, replay and tests keep the defaults. */
    public static final class Builder {
        private final Supplier<Policy> policy;
        private final Clock clock;
        private StateStore store;
        private RateLimiter limiter;
        private TokenLimiter tokens;
        private ChallengeLedger challenges;
        private CampaignStore campaigns;
        private IndicatorRegistry indicators;
        private CampaignSanctions sanctions;
        private CampaignEvidence.Fleet fleetEvidence;

        private Builder(Supplier<Policy> policy, Clock clock) {
            this.policy = policy;
            this.clock = clock;
        }

        /** Account profiles and verdicts. */
        public Builder store(StateStore store) {
            this.store = store;
            return this;
        }

        /** Request limits per tier. */
        public Builder limiter(RateLimiter limiter) {
            this.limiter = limiter;
            return this;
        }

        /** The fleet's campaign evidence: told of what this engine records; exports read it instead of this engine's own. */
        public Builder fleetEvidence(CampaignEvidence.Fleet fleet) {
            this.fleetEvidence = fleet;
            return this;
        }

        /** Token budgets: reserved at admission, reconciled with usage. */
        public Builder tokens(TokenLimiter tokens) {
            this.tokens = tokens;
            return this;
        }

        /** Where solved proof-of-work challenges leave passes. */
        public Builder challenges(ChallengeLedger challenges) {
            this.challenges = challenges;
            return this;
        }

        /** Cross-account campaign evidence. */
        public Builder campaigns(CampaignStore campaigns) {
            this.campaigns = campaigns;
            return this;
        }

        /** Campaign-wide sanctions (shared by the fleet in the gateway). */
        public Builder sanctions(CampaignSanctions sanctions) {
            this.sanctions = sanctions;
            return this;
        }

        /** Imported peer indicators. */
        public Builder indicators(IndicatorRegistry indicators) {
            this.indicators = indicators;
            return this;
        }

        public GuardEngine build() {
            return new GuardEngine(this);
        }
    }

    /** Decides one request: {@link #prepare} and {@link #evaluate(PreparedRequest)} in one step. */
    public Decision evaluate(GuardRequest request) {
        return evaluate(prepare(request));
    }

    /**
     * Extracts the request's features under the current policy. Pure and thread-safe: it reads no
     * state and no clock, so a replay can prepare requests in parallel and decide them in order.
     */
    public PreparedRequest prepare(GuardRequest request) {
        Policy p = policy.get();
        RequestFeatures features = p.extractor().extract(request.inference());
        var inference = request.inference();
        var conversation = new io.extractionguard.engine.campaign.RequestIndicators.Conversation(inference.turns(),
                inference.historyChars(), inference.historyChars() + inference.lastUserText().length(),
                inference.rootHash());
        return new PreparedRequest(request, p, features,
                Indicators.extract(p.campaign(), request.identity(), features, conversation));
    }

    /** Decides a prepared request at the clock's current instant, updating the account's state. */
    public Decision evaluate(PreparedRequest prepared) {
        Instant now = clock.instant();
        RiskScore risk = assess(prepared, now);
        Policy p = prepared.policy();
        ClientIdentity id = prepared.request().identity();
        return decide(p, id, p.tierLimits(id.tier()), risk, now, List.of(prepared.request().inference()));
    }

    /** Reason of a THROTTLE of a batch larger than the account's (risk-tightened) limit admits at once. */
    public static final String BATCH_TOO_LARGE = "batch-too-large";

    /**
     * Decides a batch (Anthropic Message Batches, an OpenAI batch file) of one account as a whole:
     * every item is observed and scored as a request of that account, so the profile and campaign
     * evidence see each; the batch is judged by its riskiest item and counts as {@code items.size()}
     * requests against the limits, admitted or refused whole.
     */
    public Decision evaluateBatch(ClientIdentity identity, List<InferenceRequest> items) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a batch has at least one item");
        }
        Instant now = clock.instant();
        RiskScore worst = null;
        Policy p = null;
        for (InferenceRequest item : items) {
            PreparedRequest prepared = prepare(new GuardRequest(identity, item));
            p = prepared.policy();
            RiskScore risk = assess(prepared, now);
            if (worst == null || risk.score() >= worst.score()) {
                worst = risk;
            }
        }
        return decide(p, identity, p.tierLimits(identity.tier()), worst, now, items);
    }

    /** Whether the policy lets this caller's tier use batch endpoints ({@code batches: evaluate}). */
    public boolean batchesAllowed(ClientIdentity identity) {
        return policy.get().tierLimits(identity.tier()).batches() == TierLimits.Batches.EVALUATE;
    }

    /** Observes a prepared request in the account's profile and campaign evidence, and scores it. */
    private RiskScore assess(PreparedRequest prepared, Instant now) {
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
        if (!extra.isEmpty()) {
            evidence.record(extra, id, features.sketch(), now);
        }
        Contribution peer = peerIndicator(p, id, features, now);
        if (peer != null) {
            extra = new ArrayList<>(extra);
            extra.add(peer);
        }
        if (!extra.isEmpty()) {
            risk = p.scorer().score(context, extra);
        }
        applySanction(prepared.indicators(), id, now);
        return risk;
    }

    /**
     * Puts the verdict of a campaign sanction this account belongs or links to, unless the account
     * already has it, a block (when the sanction challenges) or an operator's allow. Local reads only;
     * the sanction registry records the account off the request path.
     */
    private void applySanction(RequestIndicators r, ClientIdentity id, Instant now) {
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
        sanctions.reached(s.id(), new CampaignSanction.Penalised(id.accountId(), id.paymentFingerprint(), now,
                !s.members().contains(hash)), hash);
    }

    /** Campaign-wide sanctions (admin API: enforce, release, export). */
    public CampaignSanctions sanctions() {
        return sanctions;
    }

    /**
     * Explains how a request would be judged now, without observing it, charging limits or
     * imposing verdicts (for operators: the admin API's explain and account views).
     */
    public Explanation explain(GuardRequest request) {
        PreparedRequest prepared = prepare(request);
        Policy p = prepared.policy();
        Instant now = clock.instant();
        ClientIdentity id = request.identity();
        TierLimits tier = p.tierLimits(id.tier());
        double prior = p.features().evidencePrior();
        Optional<ProfileStats> known = store.peek(id.accountId(), now, prior);
        ProfileStats stats = known.orElseGet(() -> new AccountProfile().stats(now.toEpochMilli(), prior));
        SignalContext context = new SignalContext(id, prepared.features(), stats, tier, now);
        Contribution peer = peerIndicator(p, id, prepared.features(), now);
        RiskScore risk = peer == null ? p.scorer().score(context) : p.scorer().score(context, List.of(peer));
        double uncapped = 0;
        for (Contribution c : risk.contributions()) {
            uncapped += c.shadow() ? 0 : c.points();
        }
        Verdict verdict = store.verdict(id.accountId(), now).orElse(null);
        String denied = p.deny().match(id);
        String allowed = p.allow().match(id);
        Band band = p.bandFor(risk.score());
        Action action;
        if (denied != null || (verdict != null && verdict.kind() == Verdict.Kind.BLOCK && allowed == null)) {
            action = Action.BLOCK;
        } else if (allowed != null || (verdict != null && verdict.kind() == Verdict.Kind.ALLOW)) {
            action = Action.ALLOW;
        } else if (verdict != null && verdict.kind() == Verdict.Kind.CHALLENGE
                && (band == null || !band.action().moreSevereThan(Action.CHALLENGE))) {
            action = Action.CHALLENGE;
        } else {
            action = band == null ? Action.ALLOW : band.action();
        }
        if (p.mode() == Mode.SHADOW && action != Action.ALLOW) {
            action = Action.SHADOW;
        }
        return new Explanation(id.accountId(), risk.score(), Math.round(uncapped * 10.0) / 10.0, risk.shadowScore(),
                risk.contributions(), band == null ? null : band.name(), verdict,
                denied != null ? "deny-" + denied : allowed != null ? "allow-" + allowed : null, action,
                known.orElse(null), p.label());
    }

    /**
     * Runs the periodic campaign correlation if its interval has passed on the engine's clock.
     * Replay calls this before every decision (trace time); the gateway from one scheduled thread,
     * on the replica that holds correlation leadership.
     *
     * @return what the run did, or null when none was due
     */
    public CorrelationReport correlateIfDue() {
        return campaigns.correlateIfDue(policy.get().campaign(), clock.millis());
    }

    /**
     * The campaigns the campaign state currently links, highest score first (for operators: scans
     * local state, never call on the request path). See {@link CampaignListing}.
     */
    public java.util.List<CampaignListing.Campaign> campaigns(int max) {
        return CampaignListing.list(campaigns.store(), policy.get().campaign(), max);
    }

    /** The campaigns as linked only by the values a campaign sanction follows ({@link SanctionKeys#follows}). */
    public java.util.List<CampaignListing.Campaign> sanctionableCampaigns(int max) {
        return CampaignListing.list(campaigns.store(), policy.get().campaign(), max, SanctionKeys::follows);
    }

    /** Adds usage (known after the response) to the account's profile. */
    public void recordUsage(String accountId, long inputTokens, long outputTokens) {
        store.recordUsage(accountId, clock.millis(), inputTokens, outputTokens);
    }

    /**
     * Adds a forwarded request's usage, known after its response, to the account's profile and
     * reconciles the token budgets' reservation with it (see {@link TokenLimiter}).
     *
     * @return the budgets' state afterwards
     */
    public TokenOutcome recordUsage(Decision decision, long inputTokens, long outputTokens) {
        recordUsage(decision.accountId(), inputTokens, outputTokens);
        return settle(decision, inputTokens, outputTokens);
    }

    /**
     * Gives a forwarded request's token reservation back without charging anything: replay, whose
     * trace has no responses, and a request the model never answered.
     */
    public void release(Decision decision) {
        settle(decision, 0, 0);
    }

    private TokenOutcome settle(Decision decision, long inputTokens, long outputTokens) {
        TokenOutcome admitted = decision.tokens();
        if (admitted == null || admitted.isUnlimited()) {
            return TokenOutcome.UNLIMITED;
        }
        return tokens.settle(decision.accountId(), admitted, inputTokens, outputTokens);
    }

    public Policy policy() {
        return policy.get();
    }

    /**
     * @param items the request, or a batch's items: they count as that many requests, and their bounds
     *              are reserved together
     */
    private Decision decide(Policy p, ClientIdentity id, TierLimits tier, RiskScore risk, Instant now,
                            List<InferenceRequest> items) {
        int requests = items.size();
        String account = id.accountId();
        List<String> riskReasons = reasons(risk.contributions(), false);
        boolean enforcing = p.mode() == Mode.ENFORCE;

        String denied = p.deny().match(id);
        if (denied != null) {
            return reject(p, account, Action.BLOCK, risk, List.of("list/deny-" + denied), null, null, enforcing);
        }
        boolean exempt = p.allow().match(id) != null;
        Optional<Verdict> verdict = exempt ? Optional.empty() : store.verdict(account, now);
        if (verdict.isPresent() && verdict.get().kind() == Verdict.Kind.ALLOW) {
            exempt = true;
        }
        if (verdict.isPresent() && verdict.get().kind() == Verdict.Kind.BLOCK) {
            return reject(p, account, Action.BLOCK, risk, verdict.get().reasons(), null, null, enforcing);
        }

        Band band = exempt ? null : p.bandFor(risk.score());
        Action bandAction = band == null ? Action.ALLOW : band.action();
        if (bandAction == Action.CHALLENGE || bandAction == Action.BLOCK) {
            boolean enforced = enforcing && !band.shadow();
            if (enforced && band.verdictTtl() != null) {
                Verdict.Kind kind = bandAction == Action.BLOCK ? Verdict.Kind.BLOCK : Verdict.Kind.CHALLENGE;
                store.putVerdict(account, new Verdict(kind, now.plus(band.verdictTtl()), "band/" + band.name(),
                        riskReasons, ""));
            }
            if (enforced && !passedChallenge(account, bandAction, band.challenge(), now)) {
                return reject(p, account, bandAction, risk, riskReasons, band.name(), band.challenge(), true);
            }
        }
        // Here an enforced CHALLENGE band has been passed with a proof-of-work pass.
        boolean passed = bandAction == Action.CHALLENGE && enforcing && !band.shadow();
        if (verdict.isPresent() && verdict.get().kind() == Verdict.Kind.CHALLENGE) {
            ChallengeKind kind = challengeOf(p, verdict.get());
            // a verification hold is released by an operator only; a proof-of-work verdict takes a pass
            boolean satisfied = enforcing && kind == ChallengeKind.PROOF_OF_WORK
                    && (passed || passedChallenge(account, Action.CHALLENGE, kind, now));
            if (!satisfied) {
                return reject(p, account, Action.CHALLENGE, risk, verdict.get().reasons(),
                        band == null ? null : band.name(), kind, enforcing);
            }
            passed = true;
        }
        if (passed) {
            riskReasons = withReason(riskReasons, CHALLENGE_PASSED);
        }

        // Forwarded unless the (possibly tightened) token budget is spent or request limit exhausted;
        // a forwarded request holds a reservation of its bound until its usage is known.
        boolean tightened = band != null && bandAction == Action.THROTTLE && !band.shadow() && enforcing;
        TokenBudget budget = p.tokenBudget(tier);
        TokenOutcome tokenState = tokens.reserve(account, budget, tightened ? band.tokenFactor() : 1.0,
                estimatedInputTokens(items), outputReserve(budget, items));
        if (!tokenState.allowed() && enforcing) {
            List<String> why = tightened && band.tokenFactor() < 1.0 ? riskReasons : List.of(TOKEN_BUDGET);
            return new Decision(account, Action.THROTTLE, risk.score(), why, risk.contributions(),
                    band == null ? null : band.name(), null, null, null, p.label(), tokenState);
        }
        double factor = tightened ? band.limitFactor() : 1.0;
        if (requests > 1 && !tier.unlimited() && requests * RateLimiter.cost(factor) > capacityUnits(tier)) {
            // a batch the limit could never admit at once is refused whole, not charged
            if (enforcing && tokenState.allowed()) {
                tokenState = tokens.settle(account, tokenState, 0, 0);
            }
            return new Decision(account, enforcing ? Action.THROTTLE : Action.SHADOW, risk.score(),
                    List.of(BATCH_TOO_LARGE), risk.contributions(), band == null ? null : band.name(),
                    enforcing ? null : Action.THROTTLE, null, null, p.label(), tokenState);
        }
        LimitOutcome limit = requests == 1 ? limiter.tryAcquire(account, tier, factor)
                : limiter.tryAcquire(account, tier, factor, requests);
        if (!limit.allowed()) {
            List<String> why = factor < 1.0 ? riskReasons : List.of("rate-limit");
            if (tokenState.allowed()) {
                tokenState = tokens.settle(account, tokenState, 0, 0); // not forwarded after all
            }
            if (enforcing) {
                return new Decision(account, Action.THROTTLE, risk.score(), why, risk.contributions(),
                        band == null ? null : band.name(), null, null, limit, p.label(), tokenState);
            }
            return new Decision(account, Action.SHADOW, risk.score(), why, risk.contributions(),
                    band == null ? null : band.name(), Action.THROTTLE, null, limit, p.label(), tokenState);
        }
        if (!tokenState.allowed()) { // observe-only policy: forwarded, recorded as a would-be throttle
            return new Decision(account, Action.SHADOW, risk.score(), List.of(TOKEN_BUDGET), risk.contributions(),
                    band == null ? null : band.name(), Action.THROTTLE, null, limit, p.label(), tokenState);
        }

        // Observe-only rules: what would a shadow band or shadow signals have done?
        Action wouldBe = null;
        List<String> shadowReasons = riskReasons;
        if (band != null && (band.shadow() || !enforcing) && band.action() == Action.ALLOW && band.degrade() != null) {
            wouldBe = Action.ALLOW; // forwarded undegraded; the reason says it would have been degraded
            shadowReasons = withReason(riskReasons, DEGRADE_PREFIX + band.name());
        } else if (band != null && (band.shadow() || !enforcing) && bandAction != Action.THROTTLE) {
            wouldBe = bandAction;
        } else if (band != null && (band.shadow() || !enforcing)
                && (!limiter.wouldAdmit(account, tier, band.limitFactor())
                    || !tokens.check(account, budget, band.tokenFactor()).allowed())) {
            wouldBe = Action.THROTTLE;
        } else if (!exempt && risk.shadowScore() > risk.score()) {
            Band shadowBand = p.bandFor(risk.shadowScore());
            if (shadowBand != null && shadowBand != band && shadowBand.action() != Action.THROTTLE
                    && shadowBand.degrade() == null) {
                wouldBe = shadowBand.action();
                shadowReasons = reasons(risk.contributions(), true);
            }
        }
        if (wouldBe != null) {
            return new Decision(account, Action.SHADOW, risk.score(), shadowReasons, risk.contributions(),
                    band == null ? null : band.name(), wouldBe, null, limit, p.label(), tokenState);
        }
        Band degrading = band != null && band.action() == Action.ALLOW && band.degrade() != null ? band
                : passed ? passDegrading(p, band) : null;
        if (degrading != null) {
            return new Decision(account, Action.ALLOW, risk.score(), withReason(riskReasons, DEGRADE_PREFIX + degrading.name()),
                    risk.contributions(), band == null ? null : band.name(), null, null, limit, p.label(), tokenState,
                    degrading.degrade());
        }
        return new Decision(account, Action.ALLOW, risk.score(), riskReasons, risk.contributions(),
                band == null ? null : band.name(), null, null, limit, p.label(), tokenState);
    }

    /** Input tokens reserved for requests: their prompt characters at four per token (reconciled with usage). */
    static long estimatedInputTokens(List<InferenceRequest> items) {
        long tokens = 0;
        for (InferenceRequest item : items) {
            tokens += (item.promptChars() + 3) / 4;
        }
        return tokens;
    }

    /** Output tokens reserved for requests: each one's {@code max_tokens}, or the tier's default. */
    static long outputReserve(TokenBudget budget, List<InferenceRequest> items) {
        long tokens = 0;
        for (InferenceRequest item : items) {
            tokens += budget.outputReserve(item.maxOutputTokens());
        }
        return tokens;
    }

    /** Token units the tightest window of a tier holds when full. */
    private static long capacityUnits(TierLimits tier) {
        long perMinute = tier.requestsPerMinute() > 0 ? tier.requestsPerMinute() : Long.MAX_VALUE / RateLimiter.UNITS_PER_REQUEST;
        long perDay = tier.requestsPerDay() > 0 ? tier.requestsPerDay() : Long.MAX_VALUE / RateLimiter.UNITS_PER_REQUEST;
        return Math.min(perMinute, perDay) * RateLimiter.UNITS_PER_REQUEST;
    }

    private static Decision reject(Policy p, String account, Action action, RiskScore risk, List<String> reasons,
                                   String band, ChallengeKind challenge, boolean enforcing) {
        if (!enforcing) {
            return new Decision(account, Action.SHADOW, risk.score(), reasons, risk.contributions(), band,
                    action, null, null, p.label());
        }
        return new Decision(account, action, risk.score(), reasons, risk.contributions(), band, null,
                action == Action.CHALLENGE ? challenge : null, null, p.label());
    }

    /** The contribution of an imported peer indicator matching this request, or null. */
    private Contribution peerIndicator(Policy p, ClientIdentity id, RequestFeatures features, Instant now) {
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
     * The campaign evidence as shareable indicators (the fleet's when a {@link CampaignEvidence.Fleet} is
     * set, else this engine's; sketches and opaque fingerprints only; admin API: export), each valid for
     * {@code validity} after it was last seen. From memory: never blocks.
     */
    public List<SharedEvidence> campaignEvidence(String producer, Duration validity) {
        CampaignEvidence source = fleetEvidence != null ? fleetEvidence.snapshot() : evidence;
        return source.evidence(producer, validity, clock.instant());
    }

    /** The registry of imported peer indicators (admin API: import, list). */
    public IndicatorRegistry indicators() {
        return indicators;
    }

    /** Whether a CHALLENGE can be satisfied by a proof-of-work pass, taking one request from it. */
    private boolean passedChallenge(String account, Action action, ChallengeKind kind, Instant now) {
        return action == Action.CHALLENGE && kind == ChallengeKind.PROOF_OF_WORK && challenges.consumePass(account, now);
    }

    private static List<String> withReason(List<String> reasons, String reason) {
        List<String> out = new ArrayList<>(reasons.size() + 1);
        out.addAll(reasons.size() >= MAX_REASONS ? reasons.subList(0, MAX_REASONS - 1) : reasons);
        out.add(reason);
        return out;
    }

    /**
     * The band whose degrade applies to a request let through by a solved challenge: the CHALLENGE band
     * it was in when that band degrades its passes, else the first one that does (a standing verdict's
     * pass); null when solved challenges restore full reasoning.
     */
    private static Band passDegrading(Policy p, Band band) {
        if (band != null && band.action() == Action.CHALLENGE && band.degrade() != null) {
            return band;
        }
        for (Band b : p.bands()) {
            if (b.action() == Action.CHALLENGE && b.degrade() != null) {
                return b;
            }
        }
        return null;
    }

    private static ChallengeKind challengeOf(Policy p, Verdict verdict) {
        if (verdict.source().startsWith("band/")) {
            String name = verdict.source().substring(5);
            for (Band b : p.bands()) {
                if (b.name().equals(name) && b.challenge() != null) {
                    return b.challenge();
                }
            }
        }
        return ChallengeKind.PROOF_OF_WORK;
    }

    /** The ids of the largest contributions (enforced ones, or all when {@code includeShadow}). */
    static List<String> reasons(List<Contribution> contributions, boolean includeShadow) {
        List<String> ids = new ArrayList<>(MAX_REASONS);
        for (Contribution c : contributions) {
            if (ids.size() == MAX_REASONS) {
                break;
            }
            if ((includeShadow || !c.shadow()) && c.points() >= Scorer.REASON_THRESHOLD) {
                ids.add(c.signal());
            }
        }
        return ids;
    }
}
