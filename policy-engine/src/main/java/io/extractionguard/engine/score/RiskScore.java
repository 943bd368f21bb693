package io.extractionguard.engine.score;

import java.util.List;

/**
 * The score of one request.
 *
 * @param score         enforced score in [0, 100]: the capped sum of enforced contributions
 * @param shadowScore   score including shadow-mode signals, in [0, 100]
 * @param contributions every signal that fired, highest first
 */
public record RiskScore(double score, double shadowScore, List<Contribution> contributions) {

    public static final RiskScore ZERO = new RiskScore(0, 0, List.of());

    public RiskScore {
        contributions = List.copyOf(contributions);
    }
}
