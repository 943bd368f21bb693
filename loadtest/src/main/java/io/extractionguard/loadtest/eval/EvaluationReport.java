package io.extractionguard.loadtest.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.extractionguard.engine.replay.ReplaySummary;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Per-population results of an {@link Evaluation}, the goals checked against them, and
 * their text and JSON forms.
 */
public final class EvaluationReport {

    /**
     * Figures for one population under one gateway. {@code forwarded} counts every answered request,
     * degraded ones included; {@code forwardedFull} those answered with all the reasoning they asked
     * for (a degraded answer counts as withheld only where the DEGRADE band removed asked-for reasoning);
     * {@code accountsDegraded} counts accounts answered degraded or challenged by a band whose solved
     * challenges are answered degraded (the replay does not solve challenges).
     */
    public record Figures(long requests, long forwarded, long forwardedFull, long degraded, long accountsDegraded,
                          long accountsThrottled, long accountsChallenged,
                          long accountsBlocked, long accountsChallengedOrBlocked, long accountsChallengedBlockedOrDegraded,
                          double medianUntilRejected, double p90UntilRejected, long accountsNeverRejected) {

        public double forwardedShare() {
            return requests == 0 ? 0 : (double) forwarded / requests;
        }

        public double forwardedFullShare() {
            return requests == 0 ? 0 : (double) forwardedFull / requests;
        }

        public double degradedShare() {
            return requests == 0 ? 0 : (double) degraded / requests;
        }

        public double rejectedShare() {
            return requests == 0 ? 0 : 1 - forwardedShare();
        }
    }

    /** One population: its size and its figures under the guard and under the plain limiter. */
    public record Population(String label, long accounts, Figures guard, Figures baseline, Map<String, Long> reasons) {
    }

    /** A goal of the issue, measured. */
    public record Goal(String name, String target, double measured, boolean met) {
    }

    private final String trace;
    private final String policy;
    private final List<Population> populations = new ArrayList<>();
    private final List<Goal> goals = new ArrayList<>();
    private final List<PriceOfAttack> prices = new ArrayList<>();
    private final long processed;
    private final double requestsPerSecond;
    private final List<String> problems;
    /** Campaign populations with more than one group (a warmed family's warm-up and harvest): requests, full. */
    private final Map<String, long[]> groups = new java.util.TreeMap<>();

    EvaluationReport(String trace, String policy, Map<String, List<Evaluation.AccountRecord>> byLabel,
                     ReplaySummary summary, List<String> problems, double traceDays) {
        this(trace, policy, byLabel, summary, problems, traceDays, Map.of());
    }

    EvaluationReport(String trace, String policy, Map<String, List<Evaluation.AccountRecord>> byLabel,
                     ReplaySummary summary, List<String> problems, double traceDays, Map<String, long[]> groups) {
        for (Map.Entry<String, long[]> g : groups.entrySet()) {
            String label = g.getKey().substring(0, g.getKey().indexOf(' '));
            if (groups.keySet().stream().filter(k -> k.startsWith(label + " ")).count() > 1) {
                this.groups.put(g.getKey(), g.getValue().clone());
            }
        }
        this.trace = trace;
        this.policy = policy;
        this.processed = summary.processed();
        this.requestsPerSecond = summary.requestsPerSecond();
        this.problems = List.copyOf(problems);
        for (Map.Entry<String, List<Evaluation.AccountRecord>> e : byLabel.entrySet()) {
            List<Evaluation.AccountRecord> accounts = e.getValue();
            Map<String, Long> reasons = new LinkedHashMap<>();
            accounts.stream().flatMap(a -> a.reasons.entrySet().stream())
                    .collect(java.util.stream.Collectors.groupingBy(Map.Entry::getKey,
                            java.util.stream.Collectors.summingLong(Map.Entry::getValue)))
                    .entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
                    .forEach(r -> reasons.put(r.getKey(), r.getValue()));
            populations.add(new Population(e.getKey(), accounts.size(),
                    figures(accounts.stream().map(a -> a.guard).toList()),
                    figures(accounts.stream().map(a -> a.baseline).toList()), reasons));
            if (e.getKey().startsWith("campaign/")) {
                prices.add(PriceOfAttack.of(e.getKey(), accounts, traceDays));
            }
        }
        checkGoals();
    }

    private static Figures figures(List<Evaluation.Outcome> outcomes) {
        long requests = 0;
        long rejected = 0;
        long withheld = 0;
        long degraded = 0;
        long everDegraded = 0;
        long throttled = 0;
        long challenged = 0;
        long blocked = 0;
        long either = 0;
        long harmed = 0;
        long never = 0;
        long[] until = new long[outcomes.size()];
        int i = 0;
        for (Evaluation.Outcome o : outcomes) {
            requests += o.requests;
            rejected += o.rejected;
            withheld += o.withheld;
            degraded += o.degraded;
            everDegraded += o.everDegraded ? 1 : 0;
            throttled += o.throttled ? 1 : 0;
            challenged += o.challenged ? 1 : 0;
            blocked += o.blocked ? 1 : 0;
            either += o.challenged || o.blocked ? 1 : 0;
            harmed += o.challenged || o.blocked || o.everDegraded ? 1 : 0;
            never += o.beforeFirstRejection < 0 ? 1 : 0;
            until[i++] = o.untilRejected();
        }
        Arrays.sort(until);
        return new Figures(requests, requests - rejected, requests - rejected - withheld, degraded, everDegraded,
                throttled, challenged, blocked, either, harmed,
                percentile(until, 0.5), percentile(until, 0.9), never);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    /** Families whose attack-cost multiplier must reach 100 (templated clusters and single harvesters; issue 16). */
    static final Set<String> MULTIPLIER_100 = Set.of("campaign/hydra", "campaign/paced", "campaign/harvester");
    /** Templated clusters: a fresh account's first rejection must come within 3 requests (median). */
    static final List<String> TEMPLATED_CLUSTERS = List.of("campaign/hydra", "campaign/paced");

    public List<PriceOfAttack> prices() {
        return prices;
    }

    public PriceOfAttack price(String label) {
        return prices.stream().filter(p -> p.label().equals(label)).findFirst().orElse(null);
    }

    private void checkGoals() {
        Population hydra = population("campaign/hydra");
        if (hydra != null) {
            goals.add(new Goal("hydra: requests rejected", ">= 95%", hydra.guard().rejectedShare(),
                    hydra.guard().rejectedShare() >= 0.95));
            goals.add(new Goal("hydra: median requests per account before its first rejection", "<= 5",
                    hydra.guard().medianUntilRejected(), hydra.guard().medianUntilRejected() <= 5));
        }
        Population slow = population("campaign/low-slow");
        if (slow != null) {
            goals.add(new Goal("low-and-slow: requests rejected", ">= 60%", slow.guard().rejectedShare(),
                    slow.guard().rejectedShare() >= 0.60));
        }
        for (PriceOfAttack price : prices) {
            Population p = population(price.label());
            goals.add(new Goal(price.label() + ": requests forwarded with full reasoning", "<= 10%",
                    p.guard().forwardedFullShare(), p.guard().forwardedFullShare() <= 0.10));
            double target = MULTIPLIER_100.contains(price.label()) ? 100 : 20;
            goals.add(new Goal(price.label() + ": attack-cost multiplier", ">= " + (int) target + "x", price.multiplier(),
                    price.multiplier() >= target));
        }
        for (String cluster : TEMPLATED_CLUSTERS) {
            Population p = population(cluster);
            if (p != null) {
                goals.add(new Goal(cluster + ": median requests before first rejection", "<= 3",
                        p.guard().medianUntilRejected(), p.guard().medianUntilRejected() <= 3));
            }
        }
        long organicAccounts = 0;
        long organicFlagged = 0;
        long organicDegraded = 0;
        long organicRequests = 0;
        long organicRejected = 0;
        long hardFlagged = 0;
        boolean anyHard = false;
        for (Population p : populations) {
            if (p.label().startsWith("organic/")) {
                organicAccounts += p.accounts();
                organicFlagged += p.guard().accountsChallengedOrBlocked();
                organicDegraded += p.guard().accountsDegraded();
                organicRequests += p.guard().requests();
                organicRejected += p.guard().requests() - p.guard().forwarded();
            } else if (p.label().startsWith("hard/")) {
                anyHard = true;
                hardFlagged += p.guard().accountsChallengedBlockedOrDegraded();
            }
        }
        if (organicAccounts > 0) {
            double flagged = (double) organicFlagged / organicAccounts;
            double rejected = (double) organicRejected / organicRequests;
            goals.add(new Goal("organic: accounts ever challenged or blocked", "<= 0.1%", flagged, flagged <= 0.001));
            double degraded = (double) organicDegraded / organicAccounts;
            goals.add(new Goal("organic: accounts ever degraded", "<= 1%", degraded, degraded <= 0.01));
            goals.add(new Goal("organic: requests rejected", "<= 0.5%", rejected, rejected <= 0.005));
        }
        if (anyHard) {
            goals.add(new Goal("hard cases: accounts ever challenged, blocked or degraded", "0", hardFlagged,
                    hardFlagged == 0));
        }
    }

    public Population population(String label) {
        return populations.stream().filter(p -> p.label().equals(label)).findFirst().orElse(null);
    }

    public List<Population> populations() {
        return populations;
    }

    public List<Goal> goals() {
        return goals;
    }

    public boolean allGoalsMet() {
        return goals.stream().allMatch(Goal::met);
    }

    public long processed() {
        return processed;
    }

    public List<String> problems() {
        return problems;
    }

    /** A fixed-width table: per population, the guard next to the plain per-key limiter; then the goals. */
    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "trace %s, policy %s, %d requests, replay %.0f req/s%n%n", trace, policy,
                processed, requestsPerSecond));
        b.append(String.format(Locale.ROOT, "%-20s %6s %8s | %-62s | %-24s%n", "", "", "",
                "extraction-guard", "plain per-key limiter"));
        b.append(String.format(Locale.ROOT, "%-20s %6s %8s | %9s %9s %6s %6s %6s %6s %9s | %9s %6s %9s%n", "population",
                "accts", "requests", "forwarded", "full", "degr", "thr", "chal", "block", "until-1st", "forwarded",
                "thr", "until-1st"));
        for (Population p : populations) {
            Figures g = p.guard();
            Figures base = p.baseline();
            b.append(String.format(Locale.ROOT, "%-20s %6d %8d | %8.2f%% %8.2f%% %6d %6d %6d %6d %9s | %8.2f%% %6d %9s%n",
                    p.label(), p.accounts(), g.requests(), 100 * g.forwardedShare(), 100 * g.forwardedFullShare(),
                    g.accountsDegraded(), g.accountsThrottled(),
                    g.accountsChallenged(), g.accountsBlocked(), until(g), 100 * base.forwardedShare(),
                    base.accountsThrottled(), until(base)));
        }
        b.append("\nforwarded: answered, degraded or not; full: answered with all the reasoning asked for through the API.\n"
                + "degr/thr/chal/block: accounts ever degraded (or challenged where a solved challenge is answered degraded) /\n"
                + "throttled (429) / challenged / blocked. until-1st: median (p90)\n"
                + "requests an account made before its first rejection, counting all its requests when it was never rejected.\n\n");
        b.append("top rejection reasons (requests):\n");
        for (Population p : populations) {
            if (!p.reasons().isEmpty()) {
                b.append(String.format(Locale.ROOT, "  %-20s %s%n", p.label(), p.reasons()));
            }
        }
        if (!groups.isEmpty()) {
            b.append("\nforwarded with full reasoning, by group (campaign populations with several):\n");
            for (Map.Entry<String, long[]> g : groups.entrySet()) {
                b.append(String.format(Locale.ROOT, "  %-36s %8d requests %8.2f%%%n", g.getKey(), g.getValue()[0],
                        100.0 * g.getValue()[1] / Math.max(1, g.getValue()[0])));
            }
        }
        b.append(String.format(Locale.ROOT, "%nprice of attack: %,.0f responses in %.0f days (model: docs/evaluation.md)%n",
                PriceOfAttack.RESPONSES, PriceOfAttack.CAMPAIGN_DAYS));
        b.append(String.format(Locale.ROOT, "%-22s | %10s %10s %10s %9s | %10s %10s %10s | %10s%n", "family", "accounts",
                "cards", "ranges", "PoW c-h", "accounts", "cards", "ranges", "multiplier"));
        for (PriceOfAttack p : prices) {
            b.append(String.format(Locale.ROOT, "%-22s | %10s %10s %10s %9.1f | %10s %10s %10s | %10s%n", p.label(),
                    count(p.accounts()), count(p.payments()), count(p.networks()), p.powCoreHours(),
                    count(p.baselineAccounts()), count(p.baselinePayments()), count(p.baselineNetworks()),
                    Double.isInfinite(p.multiplier()) ? "inf" : String.format(Locale.ROOT, "%.1fx", p.multiplier())));
        }
        b.append("\ngoals:\n");
        for (Goal goal : goals) {
            String measured = goal.name().contains("median") || goal.target().equals("0")
                    ? String.format(Locale.ROOT, "%.0f", goal.measured())
                    : goal.name().contains("multiplier") ? String.format(Locale.ROOT, "%.1fx", goal.measured())
                    : String.format(Locale.ROOT, "%.2f%%", 100 * goal.measured());
            b.append(String.format(Locale.ROOT, "  [%s] %-66s %8s (target %s)%n", goal.met() ? "PASS" : "FAIL",
                    goal.name(), measured, goal.target()));
        }
        if (!problems.isEmpty()) {
            b.append("\n").append(problems.size()).append(" trace lines skipped, first: ").append(problems.get(0)).append('\n');
        }
        return b.toString();
    }

    /** Share of a campaign group's requests forwarded with full reasoning (NaN when the group is not reported). */
    public double groupForwardedFullShare(String label, String group) {
        long[] g = groups.get(label + " " + group);
        return g == null ? Double.NaN : (double) g[1] / Math.max(1, g[0]);
    }

    private static String count(double v) {
        return Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String until(Figures f) {
        return String.format(Locale.ROOT, "%.0f (%.0f)", f.medianUntilRejected(), f.p90UntilRejected());
    }

    /** The report as one JSON object (populations, goals), for CI and docs. */
    public void writeJson(OutputStream out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringProperty("trace", trace);
            g.writeStringProperty("policy", policy);
            g.writeNumberProperty("processed", processed);
            g.writeName("populations");
            g.writeStartArray();
            for (Population p : populations) {
                g.writeStartObject();
                g.writeStringProperty("label", p.label());
                g.writeNumberProperty("accounts", p.accounts());
                figures(g, "guard", p.guard());
                figures(g, "baseline", p.baseline());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeName("price_of_attack");
            g.writeStartArray();
            for (PriceOfAttack p : prices) {
                g.writeStartObject();
                g.writeStringProperty("label", p.label());
                g.writeNumberProperty("accounts", finite(p.accounts()));
                g.writeNumberProperty("payment_instruments", finite(p.payments()));
                g.writeNumberProperty("network_ranges", finite(p.networks()));
                g.writeNumberProperty("pow_core_hours", p.powCoreHours());
                g.writeNumberProperty("baseline_accounts", finite(p.baselineAccounts()));
                g.writeNumberProperty("multiplier", finite(p.multiplier()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeName("goals");
            g.writeStartArray();
            for (Goal goal : goals) {
                g.writeStartObject();
                g.writeStringProperty("name", goal.name());
                g.writeStringProperty("target", goal.target());
                g.writeNumberProperty("measured", finite(goal.measured()));
                g.writeBooleanProperty("met", goal.met());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    /** JSON has no infinity: a family that got nothing through is reported with -1. */
    private static double finite(double v) {
        return Double.isInfinite(v) ? -1 : v;
    }

    private static void figures(JsonGenerator g, String name, Figures f) {
        g.writeName(name);
        g.writeStartObject();
        g.writeNumberProperty("requests", f.requests());
        g.writeNumberProperty("forwarded_share", f.forwardedShare());
        g.writeNumberProperty("forwarded_full_reasoning_share", f.forwardedFullShare());
        g.writeNumberProperty("degraded_share", f.degradedShare());
        g.writeNumberProperty("accounts_degraded", f.accountsDegraded());
        g.writeNumberProperty("accounts_throttled", f.accountsThrottled());
        g.writeNumberProperty("accounts_challenged", f.accountsChallenged());
        g.writeNumberProperty("accounts_blocked", f.accountsBlocked());
        g.writeNumberProperty("median_requests_before_first_rejection", f.medianUntilRejected());
        g.writeNumberProperty("p90_requests_before_first_rejection", f.p90UntilRejected());
        g.writeNumberProperty("accounts_never_rejected", f.accountsNeverRejected());
        g.writeEndObject();
    }
}
