package io.extractionguard.engine.decision;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.extractionguard.engine.campaign.CampaignDetector;
import io.extractionguard.engine.campaign.CampaignStore;
import io.extractionguard.engine.campaign.CorrelationReport;
import io.extractionguard.engine.campaign.InMemoryCampaignStore;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.limits.LimitOutcome;
import io.extractionguard.engine.limits.RateLimiter;
import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.policy.ChallengeKind;
import io.extractionguard.engine.policy.Mode;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.score.RiskScore;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.score.SignalContext;
import io.extractionguard.engine.state.Observation;
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

    private final Supplier<Policy> policy;
    private final StateStore store;
    private final RateLimiter limiter;
    private final Clock clock;
    private final CampaignDetector campaigns;

    /** An engine with in-memory campaign state on {@code clock}. */
    public GuardEngine(Supplier<Policy> policy, StateStore store, RateLimiter limiter, Clock clock) {
        this(policy, store, limiter, clock, new InMemoryCampaignStore(clock));
    }

    public GuardEngine(Supplier<Policy> policy, StateStore store, RateLimiter limiter, Clock clock,
                       CampaignStore campaignStore) {
        this.policy = policy;
        this.store = store;
        this.limiter = limiter;
        this.clock = clock;
        this.campaigns = new CampaignDetector(campaignStore);
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
        return new PreparedRequest(request, p, features, Indicators.extract(p.campaign(), request.identity(), features));
    }

    /** Decides a prepared request at the clock's current instant, updating the account's state. */
    public Decision evaluate(PreparedRequest prepared) {
        Policy p = prepared.policy();
        GuardRequest request = prepared.request();
        RequestFeatures features = prepared.features();
        Instant now = clock.instant();
        ClientIdentity id = request.identity();
        TierLimits tier = p.tierLimits(id.tier());
        ProfileStats stats = store.observe(id.accountId(),
                new Observation(now.toEpochMilli(), features, p.features().templateSimilarity()),
                p.features().evidencePrior());
        SignalContext context = new SignalContext(id, features, stats, tier, now);
        RiskScore risk = p.scorer().score(context);
        List<Contribution> campaign = campaigns.evaluate(p.campaign(), prepared.indicators(), risk.score(),
                p.features().evidencePrior(), now.toEpochMilli());
        if (!campaign.isEmpty()) {
            risk = p.scorer().score(context, campaign);
        }
        return decide(p, id, tier, risk, now);
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

    /** Adds usage (known after the response) to the account's profile. */
    public void recordUsage(String accountId, long inputTokens, long outputTokens) {
        store.recordUsage(accountId, clock.millis(), inputTokens, outputTokens);
    }

    public Policy policy() {
        return policy.get();
    }

    private Decision decide(Policy p, ClientIdentity id, TierLimits tier, RiskScore risk, Instant now) {
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
            if (enforced) {
                return reject(p, account, bandAction, risk, riskReasons, band.name(), band.challenge(), true);
            }
        }
        if (verdict.isPresent() && verdict.get().kind() == Verdict.Kind.CHALLENGE) {
            return reject(p, account, Action.CHALLENGE, risk, verdict.get().reasons(),
                    band == null ? null : band.name(), challengeOf(p, verdict.get()), enforcing);
        }

        // Forwarded unless the (possibly tightened) limit is exhausted.
        double factor = band != null && bandAction == Action.THROTTLE && !band.shadow() && enforcing
                ? band.limitFactor() : 1.0;
        LimitOutcome limit = limiter.tryAcquire(account, tier, factor);
        if (!limit.allowed()) {
            List<String> why = factor < 1.0 ? riskReasons : List.of("rate-limit");
            if (enforcing) {
                return new Decision(account, Action.THROTTLE, risk.score(), why, risk.contributions(),
                        band == null ? null : band.name(), null, null, limit, p.label());
            }
            return new Decision(account, Action.SHADOW, risk.score(), why, risk.contributions(),
                    band == null ? null : band.name(), Action.THROTTLE, null, limit, p.label());
        }

        // Observe-only rules: what would a shadow band or shadow signals have done?
        Action wouldBe = null;
        List<String> shadowReasons = riskReasons;
        if (band != null && (band.shadow() || !enforcing) && bandAction != Action.THROTTLE) {
            wouldBe = bandAction;
        } else if (band != null && (band.shadow() || !enforcing)
                && !limiter.wouldAdmit(account, tier, band.limitFactor())) {
            wouldBe = Action.THROTTLE;
        } else if (!exempt && risk.shadowScore() > risk.score()) {
            Band shadowBand = p.bandFor(risk.shadowScore());
            if (shadowBand != null && shadowBand != band && shadowBand.action() != Action.THROTTLE) {
                wouldBe = shadowBand.action();
                shadowReasons = reasons(risk.contributions(), true);
            }
        }
        if (wouldBe != null) {
            return new Decision(account, Action.SHADOW, risk.score(), shadowReasons, risk.contributions(),
                    band == null ? null : band.name(), wouldBe, null, limit, p.label());
        }
        return new Decision(account, Action.ALLOW, risk.score(), riskReasons, risk.contributions(),
                band == null ? null : band.name(), null, null, limit, p.label());
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
