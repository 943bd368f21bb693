package io.extractionguard.engine.decision;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

import io.extractionguard.engine.correlation.CampaignDetector;
import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.campaign.CorrelationReport;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.campaign.RequestIndicators;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.intel.CampaignEvidence;
import io.extractionguard.engine.intel.SharedEvidence;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.limits.TokenOutcome;
import io.extractionguard.engine.memory.InMemoryCampaignSanctions;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryChallengeLedger;
import io.extractionguard.engine.memory.InMemoryIndicatorRegistry;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.memory.LocalTokenLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.score.RiskScore;
import io.extractionguard.engine.spi.CampaignSanctions;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.spi.ChallengeGate;
import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.spi.EvidenceFleet;
import io.extractionguard.engine.spi.IndicatorRegistry;
import io.extractionguard.engine.spi.RateLimiter;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.spi.TokenLimiter;

/**
 * Decides one request: features → profile update → score → band → verdicts and limits → action.
 * The gateway ({@link #admit}) and the replay CLI ({@link #evaluate}) run the same decision; the
 * gateway defers the request's {@link Commit} (state the answer does not read) until the request is
 * on its way upstream, the replay commits at once, so a backtest runs the same code in the same order.
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
    private final TokenLimiter tokens;
    private final Assessor assessor;
    private final Judge judge;
    private final Intake intake;
    private final Clock clock;
    private final CampaignDetector campaigns;
    private final IndicatorRegistry indicators;
    private final CampaignSanctions sanctions;
    private final CampaignEvidence evidence;
    private final EvidenceFleet fleetEvidence;
    private final io.extractionguard.engine.spi.HistoryLedger history;

    /** An engine with every collaborator in process memory on {@code clock} (replay, tests). */
    public GuardEngine(Supplier<Policy> policy, StateStore store, RateLimiter limiter, Clock clock) {
        this(builder(policy, clock).store(store).limiter(limiter));
    }

    private GuardEngine(Builder b) {
        this.policy = b.policy;
        this.clock = b.clock;
        this.store = b.store != null ? b.store : new InMemoryStateStore(b.clock);
        this.tokens = b.tokens != null ? b.tokens : new LocalTokenLimiter(b.clock);
        this.judge = new Judge(store, b.limiter != null ? b.limiter : new LocalRateLimiter(b.clock), tokens,
                b.challenges != null ? b.challenges : new InMemoryChallengeLedger(b.clock));
        this.intake = b.intake;
        this.campaigns = new CampaignDetector(b.campaigns != null ? b.campaigns : new InMemoryCampaignStore(b.clock));
        this.indicators = b.indicators != null ? b.indicators : new InMemoryIndicatorRegistry(0.8);
        this.sanctions = b.sanctions != null ? b.sanctions : new InMemoryCampaignSanctions();
        this.fleetEvidence = b.fleetEvidence;
        this.evidence = b.withoutEvidence ? null
                : new CampaignEvidence(b.fleetEvidence != null ? b.fleetEvidence : CampaignEvidence.Listener.NONE);
        this.history = b.history != null ? b.history : new io.extractionguard.engine.memory.InMemoryHistoryLedger(b.clock);
        this.assessor = new Assessor(store, campaigns, evidence, indicators, sanctions, history);
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
        private EvidenceFleet fleetEvidence;
        private Intake intake;
        private io.extractionguard.engine.spi.HistoryLedger history;
        private boolean withoutEvidence;

        private Builder(Supplier<Policy> policy, Clock clock) {
            this.policy = policy;
            this.clock = clock;
        }

        /** Account profiles and verdicts. */
        public Builder store(StateStore store) {
            this.store = store;
            return this;
        }

        /** What each account sent, as hashes (claimed-history verification); in process memory when not set. */
        public Builder history(io.extractionguard.engine.spi.HistoryLedger history) {
            this.history = history;
            return this;
        }

        /** Request limits per tier. */
        public Builder limiter(RateLimiter limiter) {
            this.limiter = limiter;
            return this;
        }

        /** The fleet's campaign evidence: told of what this engine records; exports read it instead of this engine's own. */
        public Builder fleetEvidence(EvidenceFleet fleet) {
            this.fleetEvidence = fleet;
            return this;
        }

        /**
         * Keeps no shareable campaign evidence ({@link #campaignEvidence} is empty): for an engine nothing
         * exports from (the replay). Decisions never read it.
         */
        public Builder withoutEvidence() {
            this.withoutEvidence = true;
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

        /** How arriving requests are decoded, parsed and identified ({@link #admit}, {@link #explain(Arrival)}). */
        public Builder intake(Intake intake) {
            this.intake = intake;
            return this;
        }

        public GuardEngine build() {
            return new GuardEngine(this);
        }
    }

    /**
     * The front door: what arrived → decoded, parsed, identified ({@link Intake}) → the challenge
     * answer checked ({@code gate}) → decided. Forward, reject with a cause, or — when the
     * challenge answer needs the shared ledger — a lookup to complete off the event loop first.
     */
    public Outcome admit(Arrival arrival, ChallengeGate gate) {
        Intake.Read read = intake().read(arrival);
        if (read instanceof Intake.Refused refused) {
            return Outcome.invalid(refused.error());
        }
        Intake.Accepted request = (Intake.Accepted) read;
        ChallengeGate.Check solution = gate.check(request.identity().accountId());
        if (solution.needsLookup()) {
            return Outcome.needsLookup(request, () -> decide(request, solution.lookUp()));
        }
        return decide(request, solution);
    }

    private Outcome decide(Intake.Accepted request, ChallengeGate.Check solution) {
        if (solution.malformed()) {
            return Outcome.malformedSolution(request, solution);
        }
        Commit commit = new Commit();
        Decision decision = decide(prepare(new GuardRequest(request.identity(), request.request())), commit);
        return Outcome.decided(request, decision, solution, commit);
    }

    /** How this engine reads arriving requests (the gateway's batches and the replay use it too). */
    public Intake intake() {
        if (intake == null) {
            throw new IllegalStateException("this engine was built without an intake: set Builder.intake");
        }
        return intake;
    }

    /** Decides one request and commits it: {@link #prepare} and {@link #evaluate(PreparedRequest)} in one step. */
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

    /**
     * Decides a prepared request at the clock's current instant and runs its {@link Commit} at once (replay, tests):
     * the account's state is up to date when it returns.
     */
    public Decision evaluate(PreparedRequest prepared) {
        Commit commit = new Commit();
        Decision decision = decide(prepared, commit);
        commit.run();
        return decision;
    }

    /** Decides, updating what the answer reads; what it does not read goes to {@code commit}. */
    private Decision decide(PreparedRequest prepared, Commit commit) {
        Instant now = clock.instant();
        RiskScore risk = assessor.assess(prepared, now, commit);
        Policy p = prepared.policy();
        ClientIdentity id = prepared.request().identity();
        return judge.decide(p, id, p.tierLimits(id.tier()), risk, now, List.of(prepared.request().inference()));
    }

    /** Reason of a THROTTLE of a batch larger than the account's (risk-tightened) limit admits at once. */
    public static final String BATCH_TOO_LARGE = "batch-too-large";

    /**
     * Decides a batch (Anthropic Message Batches, an OpenAI batch file) of one account as a whole:
     * every item is observed and scored as a request of that account, so the profile and campaign
     * evidence see each; the batch is judged by its riskiest item and counts as {@code items.size()}
     * requests against the limits, admitted or refused whole. Committed before it returns.
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
            Commit commit = new Commit();
            RiskScore risk = assessor.assess(prepared, now, commit);
            commit.run(); // each item's updates before the next item is assessed, as without the split
            if (worst == null || risk.score() >= worst.score()) {
                worst = risk;
            }
        }
        return judge.decide(p, identity, p.tierLimits(identity.tier()), worst, now, items);
    }

    /**
     * Decides the start of a batch from a file evaluated at upload (OpenAI {@code POST /v1/batches}): the
     * items' content was scored then; the start is judged on the account's standing now (lists, verdicts,
     * the score of its profile and that score's band, proof-of-work passes for every item) and counts as
     * {@code items} requests, each reserving the tier's default output. Nothing is observed (the content
     * is the upload's). Committed before it returns.
     */
    public Decision evaluateBatchStart(ClientIdentity identity, ApiFormat format, int items) {
        if (items < 1) {
            throw new IllegalArgumentException("a batch has at least one item");
        }
        Instant now = clock.instant();
        InferenceRequest empty = new InferenceRequest(format, "", "", "", 0, 0, List.of(), -1, false, Double.NaN);
        PreparedRequest prepared = prepare(new GuardRequest(identity, empty));
        Policy p = prepared.policy();
        return judge.decide(p, identity, p.tierLimits(identity.tier()), assessor.peek(prepared, now), now,
                java.util.Collections.nCopies(items, empty));
    }

    /** Whether the policy lets this caller's tier use batch endpoints ({@code batches: evaluate}). */
    public boolean batchesAllowed(ClientIdentity identity) {
        return policy.get().tierLimits(identity.tier()).batches() == TierLimits.Batches.EVALUATE;
    }

    /** Campaign-wide sanctions (admin API: enforce, release, export). */
    public CampaignSanctions sanctions() {
        return sanctions;
    }

    /** Explains a request as it arrived (the admin API's explain): what {@link #explain(GuardRequest)} says of it. */
    public Explained explain(Arrival arrival) {
        Intake.Read read = intake().trustingAllPeers().read(arrival);
        if (read instanceof Intake.Refused refused) {
            return new Explained.Invalid(refused.error());
        }
        Intake.Accepted request = (Intake.Accepted) read;
        return new Explained.Ready(explain(new GuardRequest(request.identity(), request.request())));
    }

    /**
     * An account's standing as the engine sees it now, for an empty request from it (nothing
     * recorded): the admin API's and the console's account views.
     */
    public Explanation explainAccount(String account) {
        ClientIdentity identity = new ClientIdentity(account, ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null,
                null, null, null, "", 0);
        InferenceRequest empty = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "", "", "", 0, 0, List.of(), -1, false,
                Double.NaN);
        return explain(new GuardRequest(identity, empty));
    }

    /**
     * Explains how a request would be judged now, without observing it, charging limits or
     * imposing verdicts (for operators: the admin API's explain and account views).
     */
    public Explanation explain(GuardRequest request) {
        PreparedRequest prepared = prepare(request);
        return assessor.explain(prepared, clock.instant());
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

    /** The campaigns as linked only by the values a campaign sanction follows ({@link CampaignListing.Value#followedBySanctions}). */
    public java.util.List<CampaignListing.Campaign> sanctionableCampaigns(int max) {
        return CampaignListing.list(campaigns.store(), policy.get().campaign(), max, CampaignListing.Value::followedBySanctions);
    }

    /**
     * Records that {@code accountId} was sent an answer, whose {@link io.extractionguard.engine.request.AnswerDigest}
     * is {@code digest}, to {@code request} (claimed-answer verification: a follow-up that resends it verifies).
     * Nothing when the request was read without its answers' chain ({@link io.extractionguard.engine.request.ClaimedHistory#conversation()} 0).
     */
    public void answered(String accountId, io.extractionguard.engine.request.InferenceRequest request, long digest) {
        long conversation = request.claimed().conversation();
        if (conversation != 0) {
            history.answered(Indicators.accountHash(accountId), conversation, digest, clock.millis());
        }
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
        TokenOutcome admitted = decision.tokens();
        if (admitted != null && !admitted.isUnlimited()) {
            tokens.release(decision.accountId(), admitted);
        }
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
     * The campaign evidence as shareable indicators (the fleet's when a {@link EvidenceFleet} is
     * set, else this engine's; sketches and opaque fingerprints only; admin API: export), each valid for
     * {@code validity} after it was last seen. From memory: never blocks.
     */
    public List<SharedEvidence> campaignEvidence(String producer, Duration validity) {
        CampaignEvidence source = fleetEvidence != null ? fleetEvidence.snapshot() : evidence;
        return source == null ? List.of() : source.evidence(producer, validity, clock.instant());
    }

    /** The registry of imported peer indicators (admin API: import, list). */
    public IndicatorRegistry indicators() {
        return indicators;
    }
}
