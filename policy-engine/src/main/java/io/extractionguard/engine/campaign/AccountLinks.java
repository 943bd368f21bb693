package io.extractionguard.engine.campaign;

/**
 * What correlation remembers about one account: how much of its recent traffic matched hot
 * templates and how harvesting-shaped it was (time-decayed, about a day), its request cadence
 * (exponentially weighted mean and variance of inter-arrival gaps), and the client fingerprints and
 * networks of its last {@value #RECENT} requests. About 250 bytes.
 *
 * <p>Thread-safe.
 */
public final class AccountLinks {

    /** Requests whose client and network are remembered (rotation). */
    public static final int RECENT = 8;
    static final double DAY_MS = 86_400_000;
    /** Weight of the newest gap in the cadence averages once there are enough gaps. */
    static final double CADENCE_ALPHA = 0.2;
    /** Pseudo-requests in the continued and standalone shares: a few requests are never a full share. */
    public static final double CONVERSATION_PRIOR = 2;
    /**
     * Weight of the newest request in the recent content mean (per request, not per hour): it follows what the
     * account sends now within a few requests, where the day mean still carries its earlier traffic.
     */
    public static final double RECENT_CONTENT_ALPHA = 0.25;

    private double requests;
    private double templateSum;
    private double contentSum;
    private double continuedSum;
    private double recentContent;
    private double conversationRequests;
    private RequestIndicators.Conversation previous = RequestIndicators.Conversation.NONE;
    private long decayedAt = Long.MIN_VALUE;
    private long lastArrival = Long.MIN_VALUE;
    private long gaps;
    private double gapMean;
    private double gapVariance;
    private final long[] clients = new long[RECENT];
    private final long[] networks = new long[RECENT];
    private int recent;
    private int next;
    private double peakSuspicion;
    private long peakAt = Long.MIN_VALUE;

    /** Adds one request and returns the account's state after it. */
    public synchronized AccountState apply(AccountObservation o, AccountRules rules) {
        long at = o.atMillis();
        double w;
        if (decayedAt == Long.MIN_VALUE) {
            decayedAt = at;
            w = 1;
        } else if (at <= decayedAt) {
            w = Math.exp((at - (double) decayedAt) / DAY_MS);
        } else {
            double f = Math.exp((decayedAt - (double) at) / DAY_MS);
            requests *= f;
            templateSum *= f;
            contentSum *= f;
            continuedSum *= f;
            conversationRequests *= f;
            decayedAt = at;
            w = 1;
        }
        requests += w;
        templateSum += w * o.templateStrength();
        contentSum += w * o.content();
        // starts from 0, so a new account's first requests are shrunk like the day mean's prior does
        recentContent += RECENT_CONTENT_ALPHA * (o.content() - recentContent);
        if (o.conversation().turns() > 0) {
            conversationRequests += w;
            RequestIndicators.Conversation c = o.conversation();
            // a continuation whose new turn is a whole new problem (a faked continuation) counts as standalone
            continuedSum += c.continues(previous) ? w * rules.followUp(c.totalChars() - c.historyChars()) : 0;
            previous = o.conversation();
        }

        if (lastArrival != Long.MIN_VALUE && at >= lastArrival) {
            double gap = at - (double) lastArrival;
            gaps++;
            double alpha = Math.max(1.0 / gaps, CADENCE_ALPHA);
            double d = gap - gapMean;
            gapMean += alpha * d;
            gapVariance = (1 - alpha) * (gapVariance + alpha * d * d);
        }
        lastArrival = Math.max(lastArrival, at);
        long cadence = 0;
        if (gaps >= rules.minCadenceGaps() && gapMean > 0 && Math.sqrt(gapVariance) / gapMean <= rules.maxCadenceCv()) {
            cadence = Indicators.cadence(gapMean);
        }

        clients[next] = o.clientKey();
        networks[next] = o.networkKey();
        next = (next + 1) % RECENT;
        recent = Math.min(recent + 1, RECENT);

        // The request itself weighs as much as the prior's pseudo-requests: for an account with little
        // history it is most of the evidence, for one with a long history one request changes little.
        double n = requests + rules.sharePrior();
        double template = (templateSum + rules.sharePrior() * o.templateStrength()) / n;
        double conversations = conversationRequests + CONVERSATION_PRIOR;
        return new AccountState(Math.min(1, template), contentSum / n, cadence, recent, distinct(clients),
                distinct(networks), continuedSum / conversations, (conversationRequests - continuedSum) / conversations,
                recentContent);
    }

    /**
     * Folds the account's current suspicion into its remembered peak, which halves every
     * {@code halfLifeMillis}, and returns the new peak: an account that harvested an hour ago is
     * still a suspect when it sends an ordinary-looking request now.
     */
    public synchronized float peakSuspicion(double suspicion, long atMillis, double halfLifeMillis) {
        double decayed = peakAt == Long.MIN_VALUE || atMillis <= peakAt ? peakSuspicion
                : peakSuspicion * Math.pow(0.5, (atMillis - (double) peakAt) / halfLifeMillis);
        peakSuspicion = Math.max(decayed, suspicion);
        peakAt = Math.max(peakAt, atMillis);
        return (float) peakSuspicion;
    }

    /** The remembered peak suspicion as of its last update. */
    public synchronized float peak() {
        return (float) peakSuspicion;
    }

    /** Distinct non-zero values among the remembered ones. */
    private int distinct(long[] values) {
        int count = 0;
        for (int i = 0; i < recent; i++) {
            long v = values[i];
            if (v == 0) {
                continue;
            }
            boolean seen = false;
            for (int j = 0; j < i && !seen; j++) {
                seen = values[j] == v;
            }
            count += seen ? 0 : 1;
        }
        return count;
    }
}
