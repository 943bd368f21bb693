package io.extractionguard.gateway.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.extractionguard.engine.limits.TierLimits;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.state.redis.FleetView;
import io.extractionguard.gateway.state.redis.RedisStateProperties;

/**
 * After a fault: is the evidence the fleet holds in Redis — as a replica starting now would load it
 * ({@link FleetView}) — what the decision log and the clients saw, per account, with nothing lost beyond
 * named bounds? Checks:
 * <ul>
 *   <li><b>profiles</b>: each account's stored request total ≥ its decisions − {@link Bounds#profileLoss}
 *       (a total above the decisions is reported, not failed: a retried write after an ambiguous failure);</li>
 *   <li><b>durable profiles</b> (when {@link Expect#durable}, i.e. the replicas report nothing unwritten): the
 *       same with the account's hash alone — what cold loads keep once the stream is trimmed —, within
 *       {@link Bounds#durableLoss};</li>
 *   <li><b>shared buckets</b>: each account of a known tier was charged ≥ its admitted requests − the
 *       refill of the bucket's longest window over the run ({@link Bounds#refillSeconds});</li>
 *   <li><b>verdicts</b>: every expected verdict is in force;</li>
 *   <li><b>campaign evidence</b>: every decided account has its campaign records in Redis (when the replicas
 *       reported any shipped), all but {@link Bounds#campaignLoss} accounts; accounts in
 *       {@link Bounds#campaignUnflushed} (decided on a killed replica after its last campaign batch known to
 *       have taken them) are excused, and the excused ones that are missing are counted in the summary.</li>
 * </ul>
 * Used by the CI fault suite and by {@code ./guard faults} / {@code ./guard soak} (see {@link #main}).
 */
public final class ConvergenceCheck {

    /**
     * Named bounds on what a scenario may lose. {@code profileLoss}: per account (accounts not named: 0);
     * {@code campaignUnflushed}: accounts whose campaign records a killed replica may not have flushed (not
     * counted against {@code campaignLoss}); {@code why}: the documented reason, printed with the result.
     */
    public record Bounds(Map<String, Long> profileLoss, Map<String, Long> durableLoss, long campaignLoss,
                         Set<String> campaignUnflushed, long refillSeconds, String why) {
        public static Bounds none(long runSeconds) {
            return new Bounds(Map.of(), Map.of(), 0, Set.of(), runSeconds, "none: nothing may be lost");
        }
    }

    /** What to compare beyond the ledger: verdicts that must hold, campaign records the fleet shipped. */
    public record Expect(Map<String, Verdict.Kind> verdicts, long campaignShipped, Map<String, TierLimits> tiers,
                         boolean durable) {
    }

    public record Result(List<String> failures, List<String> notes, long accounts, long decided, long stored,
                         long lost, long over, long durableLost /* -1: not checked */, long admitted, long charged, long campaignShipped,
                         long campaignReplayed, long campaignExcused) {
        public boolean passed() {
            return failures.isEmpty();
        }

        public String summary() {
            return String.format("accounts %d, decided %d, in profiles %d (lost %d, above %d; hash alone: %s), "
                            + "admitted %d, charged %d, campaign records shipped %d, replayed %d, accounts missing but unflushed %d: %s",
                    accounts, decided, stored, lost, over, durableLost < 0 ? "not checked" : "lost " + durableLost,
                    admitted, charged, campaignShipped, campaignReplayed, campaignExcused,
                    passed() ? "CONVERGED" : "NOT CONVERGED " + failures);
        }
    }

    private ConvergenceCheck() {
    }

    public static Result check(FleetView view, Ledger ledger, Expect expect, Bounds bounds, Duration loadWait)
            throws Exception {
        List<String> failures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, Long> totals = view.requestTotals(ledger.accounts().keySet(), loadWait);
        Map<String, Long> durable = expect.durable() ? view.durableTotals(ledger.accounts().keySet()) : Map.of();
        long durableLost = expect.durable() ? 0 : -1;
        long decided = 0;
        long stored = 0;
        long lost = 0;
        long over = 0;
        long admitted = 0;
        long charged = 0;
        for (var e : ledger.accounts().entrySet()) {
            String account = e.getKey();
            Ledger.Account a = e.getValue();
            long total = totals.getOrDefault(account, 0L);
            decided += a.decided();
            stored += total;
            long missing = a.decided() - total;
            if (missing > 0) {
                lost += missing;
                long allowed = bounds.profileLoss().getOrDefault(account, 0L);
                if (missing > allowed) {
                    failures.add("profile " + account + ": " + total + " stored < " + a.decided() + " decided (bound "
                            + allowed + ")");
                }
            } else if (missing < 0) {
                over -= missing;
                notes.add("profile " + account + ": " + total + " stored > " + a.decided() + " decided");
            }
            if (expect.durable()) {
                long missingInHash = a.decided() - durable.getOrDefault(account, 0L);
                long allowed = bounds.durableLoss().getOrDefault(account, 0L);
                durableLost += Math.max(0, missingInHash);
                if (missingInHash > allowed) {
                    failures.add("hash " + account + ": " + durable.getOrDefault(account, 0L) + " in the hash alone < "
                            + a.decided() + " decided (bound " + allowed + ")");
                }
            }
            TierLimits limits = a.tier() == null ? null : expect.tiers().get(a.tier());
            if (limits != null && a.admitted() > 0) {
                double c = view.charged(account, limits);
                double refill = (double) limits.requestsPerDay() * bounds.refillSeconds() / 86_400;
                admitted += a.admitted();
                charged += (long) c;
                if (c < a.admitted() - refill) {
                    failures.add(String.format("bucket %s: charged %.2f < %d admitted (refill bound %.2f)", account, c,
                            a.admitted(), refill));
                }
            }
        }
        expect.verdicts().forEach((account, kind) -> {
            Optional<Verdict> v = view.verdict(account);
            if (v.isEmpty() || v.get().kind() != kind) {
                failures.add("verdict " + account + ": expected " + kind + ", fleet holds " + v.map(Verdict::kind).orElse(null));
            }
        });
        // every decided account's campaign records are in Redis (each account keeps its newest entries)
        long replayed = view.campaignRecords();
        long excused = 0;
        if (expect.campaignShipped() > 0) {
            Set<String> missing = view.campaignAccountsMissing(ledger.accounts().keySet());
            List<String> unexcused = missing.stream().filter(a -> !bounds.campaignUnflushed().contains(a)).toList();
            excused = missing.size() - unexcused.size();
            if (excused > 0) {
                notes.add("campaign: " + excused + " of " + bounds.campaignUnflushed().size()
                        + " accounts a killed replica had not flushed have no records in Redis (excused)");
            }
            if (unexcused.size() > bounds.campaignLoss()) {
                failures.add("campaign: " + unexcused.size() + " decided accounts have no campaign records in Redis (bound "
                        + bounds.campaignLoss() + (excused > 0 ? "; " + excused + " more excused as unflushed" : "")
                        + "), e.g. " + unexcused.stream().limit(3).toList());
            }
        }
        return new Result(failures, notes, ledger.accounts().size(), decided, stored, lost, over, durableLost, admitted, charged,
                expect.campaignShipped(), replayed, excused);
    }

    /**
     * For the scripts: {@code --audit=FILE} (repeatable), {@code --account-prefix=RUN}, {@code --tier=NAME:RPM:RPD}
     * (repeatable), {@code --verdict=ACCOUNT:KIND} (repeatable), {@code --campaign-shipped=N},
     * {@code --loss-bound=N} (per account), {@code --run-seconds=N}, {@code --durable=true} (after a graceful
     * stop: every change must be in the hashes), and the gateway's own
     * {@code --guard.state.redis.*} settings. Prints the result; exits 1 when not converged.
     */
    public static void main(String[] args) throws Exception {
        List<Path> audits = new ArrayList<>();
        Map<String, String> redis = new HashMap<>();
        Map<String, TierLimits> tiers = new HashMap<>();
        Map<String, Verdict.Kind> verdicts = new LinkedHashMap<>();
        String accountPrefix = "";
        long shipped = 0;
        long lossBound = 0;
        long runSeconds = 0;
        boolean durable = false;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            String name = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            switch (name) {
                case "audit" -> audits.add(Path.of(value));
                case "account-prefix" -> accountPrefix = value;
                case "tier" -> {
                    String[] t = value.split(":");
                    tiers.put(t[0], new TierLimits(t[0], Long.parseLong(t[1]), Long.parseLong(t[2])));
                }
                case "verdict" -> {
                    int c = value.lastIndexOf(':');
                    verdicts.put(value.substring(0, c), Verdict.Kind.valueOf(value.substring(c + 1)));
                }
                case "campaign-shipped" -> shipped = Long.parseLong(value);
                case "loss-bound" -> lossBound = Long.parseLong(value);
                case "run-seconds" -> runSeconds = Long.parseLong(value);
                case "durable" -> durable = Boolean.parseBoolean(value);
                default -> {
                    if (!name.startsWith("guard.state.redis.")) {
                        throw new IllegalArgumentException("unknown option --" + name);
                    }
                    redis.put(name, value);
                }
            }
        }
        String prefix = accountPrefix;
        Ledger ledger = new Ledger().audit(a -> a.startsWith(prefix), audits.toArray(Path[]::new));
        Map<String, Long> loss = new HashMap<>();
        long bound = lossBound;
        ledger.accounts().keySet().forEach(a -> loss.put(a, bound));
        RedisStateProperties props = new Binder(new MapConfigurationPropertySource(redis))
                .bindOrCreate("guard.state.redis", RedisStateProperties.class);
        Result result;
        try (FleetView view = FleetView.open(props)) {
            result = check(view, ledger, new Expect(verdicts, shipped, tiers, durable),
                    new Bounds(loss, loss, 0, Set.of(), runSeconds, lossBound == 0 ? "none" : lossBound + " per account"),
                    Duration.ofSeconds(60));
        }
        System.out.println("convergence: " + result.summary());
        result.failures().stream().limit(20).forEach(f -> System.out.println("  FAIL " + f));
        result.notes().stream().limit(5).forEach(n -> System.out.println("  note " + n));
        System.exit(result.passed() ? 0 : 1);
    }
}
