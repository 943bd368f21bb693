package io.extractionguard.loadtest.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Band;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.replay.Replay;
import io.extractionguard.engine.replay.ReplaySummary;
import io.extractionguard.engine.replay.TraceClock;
import io.extractionguard.engine.replay.TraceRecord;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Replays a labelled trace through the guard ({@link Replay}, the CLI's code) and, in the same pass,
 * through a plain per-key rate limiter with the policy's tier limits and nothing else (what an
 * ordinary gateway offers), and aggregates both per population.
 */
public final class Evaluation {

    private static final JsonFactory JSON = new JsonFactory();

    /** What happened to one account under one gateway. */
    static final class Outcome {
        long requests;
        long rejected;
        long challengedRequests;
        /** Forwarded requests a DEGRADE band answered; those of them it withheld asked-for reasoning from. */
        long degraded;
        long withheld;
        /** Challenged requests whose reasoning a solved challenge would not restore (the band degrades its passes). */
        long challengedWithheld;
        /** Answered degraded, or challenged by a band whose solved challenges are answered degraded. */
        boolean everDegraded;
        long beforeFirstRejection = -1; // -1: never rejected
        boolean throttled;
        boolean challenged;
        boolean blocked;

        /**
         * @param degraded      answered by a DEGRADE band
         * @param withheld      ... and it removed reasoning the request asked for
         * @param passDegraded  a challenged request whose pass would be answered degraded
         * @param passWithheld  ... removing asked-for reasoning
         */
        void add(Action action, boolean degraded, boolean withheld, boolean passDegraded, boolean passWithheld) {
            everDegraded |= degraded || (action == Action.CHALLENGE && passDegraded);
            this.degraded += degraded ? 1 : 0;
            this.withheld += withheld ? 1 : 0;
            this.challengedWithheld += action == Action.CHALLENGE && passWithheld ? 1 : 0;
            add(action);
        }

        void add(Action action) {
            boolean rejection = action == Action.THROTTLE || action == Action.CHALLENGE || action == Action.BLOCK;
            if (rejection) {
                rejected++;
                if (beforeFirstRejection < 0) {
                    beforeFirstRejection = requests;
                }
            }
            challengedRequests += action == Action.CHALLENGE ? 1 : 0;
            throttled |= action == Action.THROTTLE;
            challenged |= action == Action.CHALLENGE;
            blocked |= action == Action.BLOCK;
            requests++;
        }

        /** Requests forwarded with every reasoning ask answered: not rejected, and not degraded where it mattered. */
        long forwardedFull() {
            return requests - rejected - withheld;
        }

        /** Requests made before the first rejection; all of them when none was rejected. */
        long untilRejected() {
            return beforeFirstRejection < 0 ? requests : beforeFirstRejection;
        }
    }

    /** One account under both gateways. */
    static final class AccountRecord {
        final String label;
        final Outcome guard = new Outcome();
        final Outcome baseline = new Outcome();
        final Map<String, Long> reasons = new HashMap<>();
        /** Payment instruments and network ranges (/24, /48 for IPv6) the account used. */
        final java.util.Set<String> payments = new java.util.HashSet<>(2);
        final java.util.Set<String> networks = new java.util.HashSet<>(2);

        AccountRecord(String label) {
            this.label = label;
        }

        void infrastructure(Map<String, String> headers) {
            String card = headers.get("x-payment-fingerprint");
            if (card != null && payments.size() < 16) {
                payments.add(card);
            }
            String xff = headers.get("x-forwarded-for");
            if (xff != null && networks.size() < 16) {
                String ip = xff.substring(xff.lastIndexOf(',') + 1).trim();
                int cut = ip.contains(":") ? nthIndex(ip, ':', 3) : ip.lastIndexOf('.');
                networks.add(cut > 0 ? ip.substring(0, cut) : ip);
            }
        }

        private static int nthIndex(String s, char c, int n) {
            int at = -1;
            for (int i = 0; i < n && (at = s.indexOf(c, at + 1)) >= 0; i++) {
                // advance to the n-th occurrence
            }
            return at;
        }
    }

    private Evaluation() {
    }

    /** Evaluates {@code trace} under {@code policy}. */
    public static EvaluationReport run(Path trace, Policy policy, int workers) throws IOException {
        Map<String, AccountRecord> accounts = new HashMap<>();
        Map<String, long[]> groups = new TreeMap<>(); // "label group" -> requests, forwarded with full reasoning
        TraceClock baselineClock = new TraceClock();
        LocalRateLimiter baseline = new LocalRateLimiter(baselineClock);
        ReplaySummary summary;
        List<String> problems = new ArrayList<>();
        long[] first = {Long.MAX_VALUE};
        long[] last = {Long.MIN_VALUE};
        Degrade passDegrade = policy.bands().stream()
                .filter(b -> b.action() == Action.CHALLENGE && b.degrade() != null)
                .map(Band::degrade).findFirst().orElse(null);
        try (InputStream in = Files.newInputStream(trace)) {
            Replay replay = new Replay(() -> policy, Replay.DEFAULT_CREDENTIAL_KEY, workers, java.time.Clock.systemUTC());
            summary = replay.run(in, (line, reason) -> problems.add("line " + line + ": " + reason),
                    (record, decision) -> {
                        String[] labelGroup = labelAndGroup(record);
                        AccountRecord a = accounts.computeIfAbsent(decision.accountId(), k -> new AccountRecord(labelGroup[0]));
                        ReasoningAsk ask = ReasoningAsk.of(record);
                        boolean withheld = ask.removedBy(decision.degrade());
                        a.guard.add(decision.action(), decision.degrade() != null, withheld,
                                passDegrade != null, ask.removedBy(passDegrade));
                        if (labelGroup[0].startsWith("campaign/") && labelGroup[1] != null) {
                            long[] g = groups.computeIfAbsent(labelGroup[0] + " " + labelGroup[1], k -> new long[2]);
                            g[0]++;
                            g[1] += decision.action().forwards() && !withheld ? 1 : 0;
                        }
                        a.infrastructure(record.headers());
                        if (decision.action() != Action.ALLOW && decision.action() != Action.SHADOW) {
                            for (String r : decision.reasons()) {
                                a.reasons.merge(r, 1L, Long::sum);
                            }
                        }
                        first[0] = Math.min(first[0], record.ts().toEpochMilli());
                        last[0] = Math.max(last[0], record.ts().toEpochMilli());
                        baselineClock.advanceTo(record.ts());
                        boolean admitted = baseline.tryAcquire(decision.accountId(),
                                policy.tierLimits(record.headers().get("x-account-tier")), 1.0).allowed();
                        a.baseline.add(admitted ? Action.ALLOW : Action.THROTTLE);
                    });
        }
        Map<String, List<AccountRecord>> byLabel = new TreeMap<>();
        for (AccountRecord a : accounts.values()) {
            byLabel.computeIfAbsent(a.label, k -> new ArrayList<>()).add(a);
        }
        return new EvaluationReport(trace.getFileName().toString(), policy.label(), byLabel, summary, problems,
                traceDays(first[0], last[0]), groups);
    }

    private static double traceDays(long first, long last) {
        return first > last ? 0 : Math.max(1.0 / 24, (last - first) / 86_400_000.0);
    }

    /** The trace line's {@code label} ("unlabelled" when absent) and {@code group} (null when absent). */
    static String[] labelAndGroup(TraceRecord record) {
        String[] out = {"unlabelled", null};
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), record.line())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            String name;
            while ((name = p.nextName()) != null && (out[0].equals("unlabelled") || out[1] == null)) {
                JsonToken t = p.nextToken();
                if (name.equals("label") && t == JsonToken.VALUE_STRING) {
                    out[0] = p.getString();
                } else if (name.equals("group") && t == JsonToken.VALUE_STRING) {
                    out[1] = p.getString();
                } else if (name.equals("headers") || name.equals("body")) {
                    break; // the generator writes label and group first
                } else {
                    p.skipChildren();
                }
            }
        }
        return out;
    }

    /** The trace line's {@code label}, read without parsing the rest of the line; "unlabelled" when absent. */
    static String label(TraceRecord record) {
        byte[] line = record.line();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "unlabelled";
            }
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                if (name.equals("label") && t == JsonToken.VALUE_STRING) {
                    return p.getString();
                }
                p.skipChildren();
            }
        }
        return "unlabelled";
    }
}
