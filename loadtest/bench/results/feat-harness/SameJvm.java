// r20-feat measurement harness (not built by Maven). Run: javac -cp BENCH.jar:policy-engine/target/test-classes -d . *.java;
// java [-XX:TieredStopAtLevel=1 -XX:+UseSerialGC] -cp BENCH.jar:policy-engine/target/test-classes:. SameJvm KIB REPS ROUNDS
// (BENCH.jar = loadtest/jmh/target/benchmarks.jar: engine classes and dependencies; test-classes: the frozen Legacy* copies)
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntSupplier;
import io.extractionguard.engine.policy.*;
import io.extractionguard.engine.request.*;
import io.extractionguard.engine.features.*;
import io.extractionguard.engine.parity.LegacyFeatureExtractor;

/** Old (frozen copy) vs new implementation in one JVM, rounds interleaved: thread CPU µs per op. args: kib reps rounds [unicode] */
public class SameJvm {
    public static void main(String[] a) throws Exception {
        int kib = Integer.parseInt(a[0]); int reps = Integer.parseInt(a[1]); int rounds = Integer.parseInt(a[2]);
        boolean uni = a.length > 3 && a[3].equals("unicode");
        Policy policy;
        try (InputStream in = SameJvm.class.getResourceAsStream("/policies/default.yaml")) {
            policy = new PolicyLoader().load("default.yaml", in.readAllBytes());
        }
        FeatureSettings fs = policy.features();
        LegacyFeatureExtractor oldFx = new LegacyFeatureExtractor(fs.capabilities(), fs.cotElicitation(), fs.minCapabilityMatches());
        FeatureExtractor newFx = policy.extractor();
        String prompt = CpuBench.text(kib * 1024, 42, uni);
        byte[] body = ("{\"model\":\"claude-bench\",\"max_tokens\":4096,\"system\":\"You are a helpful assistant.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}").getBytes(StandardCharsets.UTF_8);
        RequestParser newP = new RequestParser();
        LegacyRequestParser oldP = new LegacyRequestParser();
        InferenceRequest req = ((ParseResult.Parsed) newP.parse(ApiFormat.ANTHROPIC_MESSAGES, body)).request();
        String[] names = {"features-old", "features-new", "parse-old", "parse-new"};
        IntSupplier[] ops = {
            () -> oldFx.extract(req).promptTokens(),
            () -> newFx.extract(req).promptTokens(),
            () -> ((ParseResult.Parsed) oldP.parse(ApiFormat.ANTHROPIC_MESSAGES, body)).request().turns(),
            () -> ((ParseResult.Parsed) newP.parse(ApiFormat.ANTHROPIC_MESSAGES, body)).request().turns(),
        };
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][] us = new double[ops.length][rounds];
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            for (int o = 0; o < ops.length; o++) {
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) sink += ops[o].getAsInt();
                us[o][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / reps;
            }
        }
        int from = rounds / 3; // warm-up rounds dropped
        StringBuilder out = new StringBuilder();
        for (int o = 0; o < ops.length; o++) {
            double[] m = Arrays.copyOfRange(us[o], from, rounds); Arrays.sort(m);
            out.append(String.format("kib=%d%s %-13s cpu_us/op median=%.1f p25=%.1f min=%.1f  us/KiB(median)=%.2f%n",
                    kib, uni ? " unicode" : "", names[o], m[m.length / 2], m[m.length / 4], m[0], m[m.length / 2] / kib));
        }
        for (int o = 0; o < ops.length; o += 2) {
            double[] ratio = new double[rounds - from];
            for (int r = from; r < rounds; r++) ratio[r - from] = us[o + 1][r] / us[o][r];
            Arrays.sort(ratio);
            out.append(String.format("kib=%d%s %s new/old same-round ratio median=%.3f (p25 %.3f, p75 %.3f)%n", kib, uni ? " unicode" : "",
                    names[o].replace("-old", ""), ratio[ratio.length / 2], ratio[ratio.length / 4], ratio[3 * ratio.length / 4]));
        }
        System.out.print(out);
        if (sink == 42) System.out.println();
    }
}
