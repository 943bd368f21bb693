package io.extractionguard.loadtest.eval;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What harvesting {@value #RESPONSES} responses costs one campaign family under the guard and under
 * the plain per-key limiter, extrapolated from what its accounts got in the trace (docs/evaluation.md,
 * "Price of attack").
 *
 * <p>The model: the attacker runs the family as in the trace, at its per-account pace, for
 * {@value #CAMPAIGN_DAYS} days. An account yields its requests forwarded with full reasoning (a
 * degraded answer whose asked-for reasoning was removed yields nothing) plus its challenged ones
 * whose reasoning a solved challenge restores (the attacker pays the proof of work for those:
 * {@value #PASS_REQUESTS} requests per solution of at most 2^{@value #POW_BITS} SHA-256 evaluations;
 * a challenge band that degrades its passes restores none of the reasoning asked for through the API).
 * A blocked account is burned: it yields what it got
 * in the trace and must be replaced; any other account keeps going for the whole campaign at its
 * trace rate. Under the plain limiter nothing is burned. Accounts needed = responses ÷ mean yield;
 * payment instruments and network ranges scale with accounts by the family's own ratios; the
 * multiplier is accounts (hence cards and ranges) under the guard over accounts under the limiter.
 *
 * @param label             the population
 * @param accounts          accounts needed under the guard (infinite when the family got nothing through)
 * @param payments          payment instruments needed under the guard
 * @param networks          network ranges (/24, /48) needed under the guard
 * @param powCoreHours      proof-of-work compute for the challenged requests that yield, CPU core-hours at
 *                          {@value #HASHES_PER_CORE_SECOND} SHA-256 per second
 * @param baselineAccounts  accounts needed under the plain limiter
 * @param baselinePayments  payment instruments needed under the plain limiter
 * @param baselineNetworks  network ranges needed under the plain limiter
 * @param multiplier        accounts under the guard ÷ accounts under the limiter
 */
public record PriceOfAttack(String label, double accounts, double payments, double networks, double powCoreHours,
                            double baselineAccounts, double baselinePayments, double baselineNetworks,
                            double multiplier) {

    static final double RESPONSES = 1_000_000;
    static final double CAMPAIGN_DAYS = 30;
    static final int PASS_REQUESTS = 20;
    static final int POW_BITS = 22;
    static final double HASHES_PER_CORE_SECOND = 1_000_000;

    static PriceOfAttack of(String label, List<Evaluation.AccountRecord> family, double traceDays) {
        double stretch = CAMPAIGN_DAYS / traceDays;
        double yield = 0;
        double baseline = 0;
        double challenged = 0;
        Set<String> payments = new HashSet<>();
        Set<String> networks = new HashSet<>();
        for (Evaluation.AccountRecord a : family) {
            double paid = a.guard.challengedRequests - a.guard.challengedWithheld;
            double got = a.guard.forwardedFull() + paid;
            yield += a.guard.blocked ? got : got * stretch;
            baseline += (a.baseline.requests - a.baseline.rejected) * stretch;
            challenged += paid * (a.guard.blocked ? 1 : stretch);
            payments.addAll(a.payments);
            networks.addAll(a.networks);
        }
        int n = family.size();
        double accounts = yield == 0 ? Double.POSITIVE_INFINITY : RESPONSES * n / yield;
        double baseAccounts = baseline == 0 ? Double.POSITIVE_INFINITY : RESPONSES * n / baseline;
        double cardsPer = payments.size() / (double) n;
        double netsPer = networks.size() / (double) n;
        double pow = yield == 0 ? 0 : RESPONSES * challenged / yield / PASS_REQUESTS * Math.pow(2, POW_BITS)
                / HASHES_PER_CORE_SECOND / 3600;
        return new PriceOfAttack(label, accounts, accounts * cardsPer, accounts * netsPer, pow, baseAccounts,
                baseAccounts * cardsPer, baseAccounts * netsPer, accounts / baseAccounts);
    }
}
