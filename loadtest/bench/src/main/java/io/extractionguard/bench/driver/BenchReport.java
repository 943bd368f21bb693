package io.extractionguard.bench.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the raw results of {@code loadtest/bench/bench.sh} (one tab-separated line per measured
 * run: phase, round, KiB, configuration, then {@code key=value} fields) into the Markdown tables
 * of docs/performance.md: medians over the rounds, and the goals as ratios of runs taken in the
 * same round (adjacent in time, so a busy machine affects both sides of a ratio alike).
 */
public final class BenchReport {

    static final List<String> CONFIGS = List.of("direct", "nofilter", "bodycache", "ratelimiter", "guard-local", "guard-redis");

    /** One measured run. */
    record Run(String phase, int round, int kib, String config, Map<String, String> fields) {
        double num(String key) {
            String v = fields.get(key);
            return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
        }

        double redisPerRequest() {
            double requests = phase.equals("closed") ? num("requests") : num("sent");
            return num("redis_calls") / requests;
        }

        double rejectedShare() {
            return phase.equals("closed") ? (num("non2xx") + num("errors")) / num("requests")
                    : (num("rejected") + num("errors")) / num("sent");
        }
    }

    private final List<Run> runs;
    private final List<String> header;

    BenchReport(List<String> lines) {
        this.runs = new ArrayList<>();
        this.header = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#")) {
                header.add(line.substring(1).trim());
                continue;
            }
            String[] f = line.split("\t");
            if (f.length < 5) {
                continue;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 4; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq > 0) {
                    fields.put(f[i].substring(0, eq), f[i].substring(eq + 1));
                }
            }
            runs.add(new Run(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3], fields));
        }
    }

    public static void main(String[] args) throws IOException {
        System.out.print(new BenchReport(Files.readAllLines(Path.of(args[0]))).markdown());
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        header.forEach(h -> md.append("- ").append(h).append('\n'));
        md.append("- load average (1 min) during measured runs: median ")
                .append(fmt(median(runs.stream().mapToDouble(r -> r.num("load")).toArray()), 2)).append(", max ")
                .append(fmt(runs.stream().mapToDouble(r -> r.num("load")).max().orElse(Double.NaN), 2)).append("\n\n");

        md.append("### Closed-loop throughput (requests/s, median of rounds; min–max) and gateway JVM CPU per request\n\n")
                .append("| configuration | 2 KiB | 16 KiB | CPU µs/request 2 KiB | CPU µs/request 16 KiB | non-200 share | Redis commands/request |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (String c : CONFIGS) {
            md.append("| ").append(c);
            for (int kib : new int[] {2, 16}) {
                List<Run> rs = select("closed", kib, c);
                md.append(" | ").append(fmt(median(rs, r -> r.num("rps")), 0)).append(" (")
                        .append(fmt(min(rs, r -> r.num("rps")), 0)).append("–").append(fmt(max(rs, r -> r.num("rps")), 0)).append(")");
            }
            for (int kib : new int[] {2, 16}) {
                md.append(" | ").append(fmt(median(select("closed", kib, c), r -> r.num("cpu_us")), 0));
            }
            List<Run> all = select("closed", -1, c);
            md.append(" | ").append(pct(median(all, Run::rejectedShare)))
                    .append(" | ").append(fmt(median(all, Run::redisPerRequest), 3)).append(" |\n");
        }

        md.append("\n### Fixed-rate latency at 50% of the no-filter maximum (µs from the intended send time, median of rounds)\n\n")
                .append("| configuration | 2 KiB rate | 2 KiB p50 | 2 KiB p99 | 16 KiB rate | 16 KiB p50 | 16 KiB p99 | non-200 share | Redis commands/request |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (String c : CONFIGS) {
            md.append("| ").append(c);
            for (int kib : new int[] {2, 16}) {
                List<Run> rs = select("fixed", kib, c);
                md.append(" | ").append(fmt(median(rs, r -> r.num("rate")), 0))
                        .append(" | ").append(fmt(median(rs, r -> r.num("p50_us")), 0))
                        .append(" | ").append(fmt(median(rs, r -> r.num("p99_us")), 0));
            }
            List<Run> all = select("fixed", -1, c);
            md.append(" | ").append(pct(median(all, Run::rejectedShare)))
                    .append(" | ").append(fmt(median(all, Run::redisPerRequest), 3)).append(" |\n");
        }

        md.append("\n### Fixed-rate latency at a low rate, 2 KiB (phase `fixed-low`; µs from the intended send time, median of rounds)\n\n")
                .append("| configuration | rate | p50 | p99 | added p50 over nofilter (same round) | added p99 over nofilter (same round) | non-200 share |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (String c : CONFIGS) {
            List<Run> rs = select("fixed-low", 2, c);
            md.append("| ").append(c)
                    .append(" | ").append(fmt(median(rs, r -> r.num("rate")), 0))
                    .append(" | ").append(fmt(median(rs, r -> r.num("p50_us")), 0))
                    .append(" | ").append(fmt(median(rs, r -> r.num("p99_us")), 0))
                    .append(" | ").append(fmt(roundDiff("fixed-low", 2, c, "nofilter", r -> r.num("p50_us")), 0))
                    .append(" | ").append(fmt(roundDiff("fixed-low", 2, c, "nofilter", r -> r.num("p99_us")), 0))
                    .append(" | ").append(pct(median(rs, Run::rejectedShare))).append(" |\n");
        }

        md.append("\n### Hot account (one account at 10× its limit, 100 requests/s from 200 connections) vs the same rate over 10,000 accounts\n\n")
                .append("| configuration | hot p50 µs | hot p99 µs | spread p50 µs | spread p99 µs | hot non-200 share | hot Redis commands/request | p99 hot/spread (median of rounds) |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (String c : List.of("guard-local", "guard-redis")) {
            List<Run> hot = select("hot", 2, c);
            List<Run> spread = select("spread", 2, c);
            md.append("| ").append(c)
                    .append(" | ").append(fmt(median(hot, r -> r.num("p50_us")), 0))
                    .append(" | ").append(fmt(median(hot, r -> r.num("p99_us")), 0))
                    .append(" | ").append(fmt(median(spread, r -> r.num("p50_us")), 0))
                    .append(" | ").append(fmt(median(spread, r -> r.num("p99_us")), 0))
                    .append(" | ").append(pct(median(hot, Run::rejectedShare)))
                    .append(" | ").append(fmt(median(hot, Run::redisPerRequest), 3))
                    .append(" | ").append(fmt(roundRatio("hot", "spread", 2, c, c, r -> r.num("p99_us")), 2)).append(" |\n");
        }

        md.append("\n### Goals (ratios of runs in the same round, median over rounds)\n\n| goal | measured | met |\n|---|---|---|\n");
        ToDoubleFunction<Run> rps = r -> r.num("rps");
        goal(md, "guard-local gateway CPU per request ≤ 1.25× nofilter's (the guard's own ≤ 25%), 2 KiB",
                roundRatio("closed", "closed", 2, "guard-local", "nofilter", r -> r.num("cpu_us")), 1.25, false, false);
        goal(md, "guard-local ≥ 80% of nofilter throughput, 2 KiB", roundRatio("closed", "closed", 2, "guard-local", "nofilter", rps), 0.8, true, true);
        goal(md, "guard-local ≥ 90% of bodycache throughput, 2 KiB", roundRatio("closed", "closed", 2, "guard-local", "bodycache", rps), 0.9, true, true);
        goal(md, "guard-redis ≥ 70% of nofilter throughput, 2 KiB", roundRatio("closed", "closed", 2, "guard-redis", "nofilter", rps), 0.7, true, true);
        goal(md, "guard-redis ≥ 1.6× ratelimiter throughput, 2 KiB", roundRatio("closed", "closed", 2, "guard-redis", "ratelimiter", rps), 1.6, true, false);
        for (String c : List.of("guard-local", "guard-redis")) {
            goal(md, c + " added p50 ≤ 0.3 ms over nofilter (fixed rate, 2 KiB), ms",
                    roundDiff("fixed", 2, c, "nofilter", r -> r.num("p50_us")) / 1000, 0.3, false, false);
            goal(md, c + " added p99 ≤ 1 ms over nofilter (fixed rate, 2 KiB), ms",
                    roundDiff("fixed", 2, c, "nofilter", r -> r.num("p99_us")) / 1000, 1.0, false, false);
        }
        for (String c : List.of("guard-local", "guard-redis")) {
            goal(md, c + " added p50 ≤ 0.3 ms over nofilter (low fixed rate, 2 KiB; not the goal's rate), ms",
                    roundDiff("fixed-low", 2, c, "nofilter", r -> r.num("p50_us")) / 1000, 0.3, false, false);
            goal(md, c + " added p99 ≤ 1 ms over nofilter (low fixed rate, 2 KiB; not the goal's rate), ms",
                    roundDiff("fixed-low", 2, c, "nofilter", r -> r.num("p99_us")) / 1000, 1.0, false, false);
        }
        goal(md, "guard-redis ≤ 0.1 Redis commands/request (closed loop, steady state)",
                median(select("closed", -1, "guard-redis"), Run::redisPerRequest), 0.1, false, false);
        for (String c : List.of("guard-local", "guard-redis")) {
            goal(md, c + " hot-account p99 ≤ 1.2× spread-key p99",
                    roundRatio("hot", "spread", 2, c, c, r -> r.num("p99_us")), 1.2, false, false);
        }
        return md.toString();
    }

    private static void goal(StringBuilder md, String name, double value, double bound, boolean atLeast, boolean percent) {
        boolean met = atLeast ? value >= bound : value <= bound;
        md.append("| ").append(name).append(" | ").append(percent ? pct(value) : fmt(value, 3)).append(" | ")
                .append(Double.isNaN(value) ? "n/a" : met ? "yes" : "**no**").append(" |\n");
    }

    private List<Run> select(String phase, int kib, String config) {
        return runs.stream().filter(r -> r.phase.equals(phase) && (kib < 0 || r.kib == kib) && r.config.equals(config)).toList();
    }

    /** Median over rounds of a(round) / b(round). */
    private double roundRatio(String phaseA, String phaseB, int kib, String a, String b, ToDoubleFunction<Run> metric) {
        return perRound(phaseA, phaseB, kib, a, b, metric, true);
    }

    /** Median over rounds of a(round) - b(round). */
    private double roundDiff(String phase, int kib, String a, String b, ToDoubleFunction<Run> metric) {
        return perRound(phase, phase, kib, a, b, metric, false);
    }

    private double perRound(String phaseA, String phaseB, int kib, String a, String b, ToDoubleFunction<Run> metric,
                            boolean ratio) {
        Map<Integer, Double> bs = new HashMap<>();
        select(phaseB, kib, b).forEach(r -> bs.put(r.round, metric.applyAsDouble(r)));
        return median(select(phaseA, kib, a).stream().filter(r -> bs.containsKey(r.round))
                .mapToDouble(r -> ratio ? metric.applyAsDouble(r) / bs.get(r.round) : metric.applyAsDouble(r) - bs.get(r.round))
                .toArray());
    }

    private static double median(List<Run> rs, ToDoubleFunction<Run> f) {
        return median(rs.stream().mapToDouble(f).toArray());
    }

    private static double min(List<Run> rs, ToDoubleFunction<Run> f) {
        return rs.stream().mapToDouble(f).min().orElse(Double.NaN);
    }

    private static double max(List<Run> rs, ToDoubleFunction<Run> f) {
        return rs.stream().mapToDouble(f).max().orElse(Double.NaN);
    }

    static double median(double[] values) {
        double[] v = java.util.Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }
}
