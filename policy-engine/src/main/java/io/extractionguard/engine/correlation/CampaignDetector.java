package io.extractionguard.engine.correlation;

import java.util.ArrayList;
import java.util.List;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.AccountState;
import io.extractionguard.engine.campaign.CampaignSettings;
import io.extractionguard.engine.campaign.CorrelationReport;
import io.extractionguard.engine.campaign.IndicatorEvidence;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.IndicatorSettings;
import io.extractionguard.engine.campaign.RequestIndicators;
import io.extractionguard.engine.campaign.RotationSettings;
import io.extractionguard.engine.campaign.StructureSettings;
import io.extractionguard.engine.campaign.TemplateSettings;
import io.extractionguard.engine.campaign.TemplateStats;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.spi.CampaignStore;

/**
 * Cross-account campaign evidence for one request, and the trigger for periodic correlation. The
 * gateway and the replay CLI both reach it through {@code GuardEngine}, so a backtest measures the
 * same correlation that runs in production.
 *
 * <p>Per request, in order:
 * <ol>
 *   <li><b>Template</b>: the prompt's LSH buckets are looked up. A bucket is hot when other accounts
 *   send prompts into it ({@code min-accounts} → {@code full-accounts}) and those prompts are
 *   harvesting-shaped (heat {@code low} → {@code high}). The request's template strength is the
 *   strongest bucket's; the account's template evidence is the decayed mean over its requests in
 *   which the current one counts as much as the prior: a fresh account's first templated request is
 *   full evidence, one hit in a long varied history is little, and the ordinary-looking requests a
 *   campaign account mixes in keep the evidence its templated ones built.</li>
 *   <li><b>Rotation</b>: an account whose last requests came through many different client
 *   fingerprints or networks ({@code clients}, {@code networks} ramps): what residential proxies
 *   and mixed clients look like from the inside of one account.</li>
 *   <li><b>Suspicion</b>: the account's behaviour score (its signals plus its template evidence) on
 *   the {@code suspect-score} ramp (template and rotation evidence are behaviour: they describe what
 *   the account itself sends and how), times how harvesting-shaped its recent requests are (mean content
 *   score, full at {@code suspect-content}). An account that is merely unusual (a benchmark
 *   harness: templated, regular, but asking for short answers without reasoning) is not a suspect,
 *   so the accounts sharing its organisation, payment or network inherit nothing from it. Only
 *   behaviour makes an account a suspect: evidence that comes
 *   from association (the indicators below) never feeds suspicion, so guilt cannot circulate
 *   between linked accounts and amplify itself.</li>
 *   <li><b>Indicators</b>: for each shared value the request carries (payment, client, network, org,
 *   creation window, system prompt, cadence), the summed suspicion of the <em>other</em> sampled
 *   accounts using it, on the ramp from {@code min-suspects} (no evidence) to {@code full-suspects}
 *   (full), times the value's rarity. Summing rather than averaging keeps a campaign's own
 *   not-yet-suspicious accounts from diluting its payment cards, and twenty accounts that are each a
 *   little suspicious add up like a few clear suspects, as a slow campaign's accounts do; an honest
 *   shared value (an office NAT, a company card) has next to no suspicion to add up however many
 *   accounts share it. A first request from a fresh account inherits this at once.</li>
 * </ol>
 * Thread-safe.
 */
public final class CampaignDetector {

    /**
     * Reason of the zero-point contribution that marks a request for the reputation degrade
     * ({@link StructureSettings.Reputation}): answered, with the reasoning asked for through the API withheld.
     */
    public static final String REPUTATION = "campaign/reputation";

    private final CampaignStore store;
    private final CampaignCorrelator correlator;
    private final Object runLock = new Object();
    private long lastRun = Long.MIN_VALUE;

    public CampaignDetector(CampaignStore store) {
        this.store = store;
        this.correlator = new CampaignCorrelator(store);
    }

    public CampaignStore store() {
        return store;
    }

    /**
     * Records the request in the campaign state and returns its campaign contributions (reason ids
     * {@code campaign/...}; the scorer orders them).
     *
     * @param behaviourScore the request's score from the account's own signals (enforced, 0–100)
     * @param sharePrior     pseudo-requests in the account's template share (the policy's evidence prior)
     */
    public List<Contribution> evaluate(CampaignSettings s, RequestIndicators r, double behaviourScore,
                                       double sharePrior, long nowMillis) {
        if (!s.enabled() || r == RequestIndicators.NONE) {
            return List.of();
        }
        List<Contribution> out = new ArrayList<>(4);
        TemplateSettings t = s.template();
        double requestTemplate = 0;
        boolean pasted = false;
        if (r.templateKeys().length > 0) {
            for (TemplateStats b : store.observeTemplates(r.accountHash(), r.templateKeys(), r.sketch(),
                    t.minSimilarity(), r.content(), t.low(), nowMillis)) {
                double strength = Scorer.ramp(b.otherAccounts(), t.minAccounts(), t.fullAccounts())
                        * Scorer.ramp(b.heat(), t.low(), t.high()) * t.yieldFactor(b.yield());
                requestTemplate = Math.max(requestTemplate, strength);
                pasted |= b.nearCopy() && t.yieldFactor(b.yield()) < 1;
            }
            if (pasted) {
                // a near-copy of a prompt many requests repeat (an exercise a class pastes) is no new problem, even
                // where it also lands in a bucket of distinct problems around a common opener
                requestTemplate = 0;
            }
        }
        IndicatorSettings timing = s.indicator(IndicatorKind.TIMING);
        StructureSettings st = s.structure();
        AccountState account = store.observeAccount(r.accountHash(),
                new AccountObservation(nowMillis, requestTemplate, r.content(), r.clientKey(), r.networkKey(),
                        r.conversation()),
                new AccountRules(sharePrior, timing == null ? 0 : timing.param("max-cv"),
                        timing == null ? Long.MAX_VALUE : (long) timing.param("min-gaps"), st.followUpLow(),
                        st.followUpHigh()));
        double conversing = st.conversing(account); // 1, or less for an account that continues its conversations
        double youth = st.enabled() ? st.youth(r.createdMillis(), nowMillis) : 0;
        double behaviour = behaviourScore;
        double template = account.templateStrength() * conversing;
        if (template > 0 && t.weight() > 0) {
            boolean shadow = s.shadow(t.mode());
            out.add(contribution("campaign/template", template, t.weight(), shadow));
            behaviour += shadow ? 0 : template * t.weight();
        }
        RotationSettings rs = s.rotation();
        double rotation = rs.strength(account);
        if (rotation > 0) {
            boolean shadow = s.shadow(rs.mode());
            out.add(contribution("campaign/rotation", rotation, rs.weight(), shadow));
            behaviour += shadow ? 0 : rotation * rs.weight();
        }

        double suspicion = Scorer.ramp(behaviour, s.suspectLow(), s.suspectHigh())
                * Math.min(1, account.meanContent() / s.suspectContent());
        if (st.enabled()) {
            suspicion = Math.max(suspicion, st.suspicion(account, youth)) * conversing;
        }
        long[] values = r.values();
        if (timing != null && account.cadenceKey() != 0) {
            values = values.clone();
            values[IndicatorKind.TIMING.ordinal()] = account.cadenceKey();
        }
        double population = store.population();
        IndicatorEvidence[] evidence = store.observeIndicators(r.accountHash(), values, suspicion,
                s.suspicionHalfLife().toMillis(), nowMillis);
        int linkedKinds = 0;
        IndicatorEvidence org = null;
        IndicatorEvidence payment = null;
        boolean anchored = false; // a link through infrastructure the accounts hold: a card or a network range
        for (IndicatorEvidence e : evidence) {
            if (e == null) {
                continue;
            }
            IndicatorSettings is = s.indicator(e.kind());
            if (e.kind() == IndicatorKind.ORG) {
                org = e;
            } else if (e.kind() == IndicatorKind.PAYMENT) {
                payment = e;
            }
            double heat = Scorer.ramp(e.otherSuspicion(), s.minSuspects(), s.fullSuspects());
            float rarity = Float.isNaN(e.rarity()) ? CampaignCorrelator.rarity(e.distinct(), population) : e.rarity();
            double strength = Math.min(1, heat * rarity);
            // an org header is a declaration, not a link a campaign needs: it never counts towards a cluster
            if (e.kind() != IndicatorKind.ORG && strength >= st.kindStrength()) {
                linkedKinds++;
                anchored |= e.kind() == IndicatorKind.PAYMENT || e.kind() == IndicatorKind.NETWORK;
            }
            strength *= conversing;
            if (strength > 0 && is.weight() > 0) {
                out.add(contribution(e.kind().reason(), strength, is.weight(), s.shadow(is.mode())));
            }
        }
        double reputation = st.reputationDegrade(account, r.createdMillis(), nowMillis, r.maxOutputTokens(),
                s.content().longOutputTokens(), conversing, rotation) * (1 - st.reputation().orgVouch(org, payment));
        if (reputation > 0 && reputation >= st.reputation().at()) {
            // it degrades the answer (Judge); stronger, it adds points (convict ramp) up to the block band
            out.add(new Contribution(REPUTATION, round(reputation), round(st.reputation().points(reputation)),
                    s.shadow(st.mode())));
        }
        // a client and a creation hour can be shared by chance (a vendor's plug-in a campaign copies, a busy
        // hour for sign-ups); a cluster also shares a card or a range
        if (st.enabled() && linkedKinds >= st.minKinds() && anchored) {
            double links = Math.min(1, (linkedKinds - st.minKinds() + 1) / 2.0);
            double cluster = youth * links * conversing * st.output(r.maxOutputTokens());
            if (cluster > 0) {
                out.add(contribution("campaign/cluster", cluster, st.weight(), s.shadow(st.mode())));
            }
        }
        return out;
    }

    /** Runs the periodic correlation when {@code correlation-interval} has passed since the last run. */
    public CorrelationReport correlateIfDue(CampaignSettings s, long nowMillis) {
        if (!s.enabled()) {
            return null;
        }
        synchronized (runLock) {
            if (lastRun != Long.MIN_VALUE && nowMillis - lastRun < s.correlationInterval().toMillis()) {
                return null;
            }
            lastRun = nowMillis;
        }
        return correlator.run(nowMillis);
    }

    private static Contribution contribution(String reason, double strength, double weight, boolean shadow) {
        return new Contribution(reason, round(strength), round(strength * weight), shadow);
    }

    private static double round(double v) {
        return Math.round(v * 10.0) / 10.0;
    }
}
