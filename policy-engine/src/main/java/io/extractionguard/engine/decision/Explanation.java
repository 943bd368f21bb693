package io.extractionguard.engine.decision;

import java.util.List;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.state.Verdict;

/**
 * How the engine would judge a request from an account right now, computed without recording
 * anything: the score with every signal's contribution (the enforced contributions sum to the
 * score, before the cap at 100), the band, the standing verdict and the resulting action before
 * rate and token limits.
 *
 * @param accountId     the account
 * @param score         enforced score, capped at 100
 * @param uncapped      sum of the enforced contributions before the cap
 * @param shadowScore   score including shadow signals
 * @param contributions every signal that fired, largest first
 * @param band          the band the score falls in, or null
 * @param verdict       the account's standing verdict, or null
 * @param listed        {@code allow-…} or {@code deny-…} when a policy list names the account, else null
 * @param action        the action before rate and token limits
 * @param profile       the account's profile summary (null for an account never seen)
 * @param policyVersion policy label
 */
public record Explanation(String accountId, double score, double uncapped, double shadowScore,
                          List<Contribution> contributions, String band, Verdict verdict, String listed, Action action,
                          ProfileStats profile, String policyVersion) {
}
