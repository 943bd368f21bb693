package io.extractionguard.loadtest.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyException;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.loadtest.traffic.TraceGenerator;

/**
 * {@code eval}: generates a seeded trace (or takes one), replays it through the guard and the plain
 * per-key limiter, and prints the per-population table and the goals.
 */
public final class EvalCommand {

    static final String USAGE = """
            usage: eval [--seed N] [--mix default|holdout|fresh|unseen|adaptive] [--requests N] [--trace TRACE.jsonl]
                        [--policy POLICY.yaml] [--json REPORT.json] [--workers N] [--traces DIR] [--check]
              --trace     evaluate this labelled trace instead of generating one
              --traces    where generated traces are kept (default target/traces; reused when present)
              --check     exit 1 when a goal is not met""";

    private EvalCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Map<String, String> o = new LinkedHashMap<>();
        boolean check = false;
        for (int i = 0; i < args.size(); i++) {
            String key = args.get(i);
            if (key.equals("--check")) {
                check = true;
                continue;
            }
            if (!List.of("--seed", "--mix", "--requests", "--trace", "--policy", "--json", "--workers", "--traces")
                    .contains(key) || i + 1 >= args.size()) {
                err.println("unknown option or missing value: " + key + "\n" + USAGE);
                return 2;
            }
            o.put(key, args.get(++i));
        }
        Policy policy;
        String policyPath = o.getOrDefault("--policy", "config/policies/default.yaml");
        try {
            policy = new PolicyLoader().load(Path.of(policyPath));
        } catch (PolicyException e) {
            err.println("invalid policy " + policyPath + ": " + e.getMessage());
            return 1;
        }
        Path trace;
        if (o.containsKey("--trace")) {
            trace = Path.of(o.get("--trace"));
            if (!Files.isRegularFile(trace)) {
                err.println("no such trace: " + trace);
                return 1;
            }
        } else {
            long seed = Long.parseLong(o.getOrDefault("--seed", "1"));
            String mix = o.getOrDefault("--mix", "default");
            int requests = Integer.parseInt(o.getOrDefault("--requests", "200000"));
            Path dir = Path.of(o.getOrDefault("--traces", "target/traces"));
            Files.createDirectories(dir);
            trace = dir.resolve(mix + "-seed" + seed + "-" + requests + ".jsonl");
            if (!Files.isRegularFile(trace)) {
                err.println("generating " + trace + " ...");
                TraceGenerator.generate(trace, seed, mix, requests);
            }
        }
        int workers = Integer.parseInt(o.getOrDefault("--workers", Integer.toString(Runtime.getRuntime().availableProcessors())));
        EvaluationReport report = Evaluation.run(trace, policy, workers);
        out.print(report.toText());
        if (o.containsKey("--json")) {
            try (OutputStream json = Files.newOutputStream(Path.of(o.get("--json")))) {
                report.writeJson(json);
            }
        }
        return check && !report.allGoalsMet() ? 1 : 0;
    }
}
