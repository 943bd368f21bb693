package io.extractionguard.engine.campaign;

import io.extractionguard.engine.action.Mode;

/**
 * The rotation indicator: an account whose recent requests keep changing client software or
 * network. Campaigns rotate both to look like many unrelated users (residential proxies, mixed
 * clients); a person keeps one client and moves between a few networks (home, office, phone).
 *
 * @param weight       points at full strength (0–100)
 * @param mode         ENFORCE or SHADOW
 * @param minRequests  recent requests needed before rotation is judged (at most {@link AccountLinks#RECENT})
 * @param clientsLow   distinct client fingerprints among the recent requests at or below which it is no evidence
 * @param clientsHigh  distinct client fingerprints from which it is full evidence
 * @param networksLow  distinct networks at or below which it is no evidence
 * @param networksHigh distinct networks from which it is full evidence
 */
public record RotationSettings(double weight, Mode mode, int minRequests, double clientsLow, double clientsHigh,
                               double networksLow, double networksHigh) {

    /** Rotation is not judged. */
    public static final RotationSettings OFF = new RotationSettings(0, Mode.ENFORCE, AccountLinks.RECENT, 1, 3, 3, 6);

    /** Strength in [0, 1] for an account's state. */
    public double strength(AccountState s) {
        if (weight <= 0 || s.recentRequests() < minRequests) {
            return 0;
        }
        return Math.max(io.extractionguard.engine.score.Scorer.ramp(s.distinctClients(), clientsLow, clientsHigh),
                io.extractionguard.engine.score.Scorer.ramp(s.distinctNetworks(), networksLow, networksHigh));
    }
}
