package io.extractionguard.engine.campaign;

/**
 * An account's correlation state right after one of its requests.
 *
 * @param templateStrength the account's template evidence after this request: the time-decayed mean
 *                         template strength of its requests, in which the current request counts as much
 *                         as the prior's pseudo-requests (full for a fresh account whose first request
 *                         matches a hot template, little for one hit among a long, varied history)
 * @param meanContent      time-decayed mean content score of its requests, shrunk by the same prior
 * @param cadenceKey       its {@link IndicatorKind#TIMING} value when its cadence is machine-regular, else 0
 * @param recentRequests   requests behind the two counts below (at most {@link AccountLinks#RECENT})
 * @param distinctClients  distinct client fingerprints among its recent requests
 * @param distinctNetworks distinct networks among its recent requests
 * @param continuedShare   time-decayed share of its requests that continued its previous request's
 *                         conversation (a follow-up or the next step of an agentic loop), shrunk by
 *                         {@link AccountLinks#CONVERSATION_PRIOR} pseudo-requests that did not
 * @param standaloneShare  the share that did not, shrunk the same way: 0 for an account with no history
 * @param recentContent    mean content score of its last few requests (exponentially weighted per request with
 *                         {@link AccountLinks#RECENT_CONTENT_ALPHA}, starting from 0): where the account's traffic
 *                         changed, what it is now, which the day mean shows only after many requests
 */
public record AccountState(double templateStrength, double meanContent, long cadenceKey, int recentRequests,
                           int distinctClients, int distinctNetworks, double continuedShare, double standaloneShare,
                           double recentContent) {

    /** A state without a recent content mean (the day mean stands for it). */
    public AccountState(double templateStrength, double meanContent, long cadenceKey, int recentRequests,
                        int distinctClients, int distinctNetworks, double continuedShare, double standaloneShare) {
        this(templateStrength, meanContent, cadenceKey, recentRequests, distinctClients, distinctNetworks,
                continuedShare, standaloneShare, meanContent);
    }

    /** A state without conversation evidence. */
    public AccountState(double templateStrength, double meanContent, long cadenceKey, int recentRequests,
                        int distinctClients, int distinctNetworks) {
        this(templateStrength, meanContent, cadenceKey, recentRequests, distinctClients, distinctNetworks, 0, 0);
    }
}
