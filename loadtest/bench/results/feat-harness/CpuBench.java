// r20-feat measurement harness (not built by Maven): thread CPU per op of one jar. java -cp BENCH.jar:. CpuBench features|parse|both KIB REPS ROUNDS [unicode]
// WORDS is a copy of loadtest/jmh Corpus.WORDS (package-private there) so the prompt text matches the JMH benchmark.
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import io.extractionguard.engine.policy.*;
import io.extractionguard.engine.request.*;
import io.extractionguard.engine.features.*;

/** CPU time per op (thread CPU, robust to a busy run queue). args: what kib reps rounds */
public class CpuBench {
    static final String[] WORDS = ("the a of to and in that is for it with as was on be by this are from at "
            + "or have an which you one had not but what all were when we there can more if no out so said "
            + "function python code implement algorithm data structure return value list sort search tree graph "
            + "please explain how why step reasoning answer question problem solve write test class method error "
            + "plan project roadmap milestone team budget schedule story poem recipe travel history music garden "
            + "model training dataset evaluate performance memory network request response server client database")
            .split(" ");
    static String text(int bytes, long seed, boolean unicode) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder(bytes + 16);
        while (b.length() < bytes) {
            if (!b.isEmpty()) b.append(random.nextInt(12) == 0 ? (unicode ? "\u2019s. " : ". ") : " ");
            String w = WORDS[random.nextInt(WORDS.length)];
            if (unicode && random.nextInt(3) == 0) {
                // a third of the words spelt with a trick: homoglyph, zero-width, accent, full-width
                switch (random.nextInt(4)) {
                    case 0 -> w = w.replace('o', '\u043e').replace('a', '\u0430');
                    case 1 -> w = w.charAt(0) + "\u200b" + w.substring(1);
                    case 2 -> w = w + "\u00e9";
                    default -> w = (char) (w.charAt(0) + 0xFEE0) + w.substring(1);
                }
            }
            b.append(w);
        }
        b.setLength(bytes);
        return b.toString();
    }
    public static void main(String[] a) throws Exception {
        String what = a[0]; int kib = Integer.parseInt(a[1]); int reps = Integer.parseInt(a[2]); int rounds = Integer.parseInt(a[3]);
        boolean uni = a.length > 4 && a[4].equals("unicode");
        Policy policy;
        try (InputStream in = CpuBench.class.getResourceAsStream("/policies/default.yaml")) {
            policy = new PolicyLoader().load("default.yaml", in.readAllBytes());
        }
        String prompt = text(kib * 1024, 42, uni);
        byte[] body = ("{\"model\":\"claude-bench\",\"max_tokens\":4096,\"system\":\"You are a helpful assistant.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}").getBytes(StandardCharsets.UTF_8);
        RequestParser parser = new RequestParser();
        InferenceRequest req = ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, body)).request();
        FeatureExtractor fx = policy.extractor();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sink = 0;
        double best = Double.MAX_VALUE; StringBuilder all = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                switch (what) {
                    case "features" -> sink += fx.extract(req).promptTokens();
                    case "parse" -> sink += ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, body)).request().turns();
                    default -> { InferenceRequest q = ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, body)).request(); sink += fx.extract(q).promptTokens(); }
                }
            }
            double us = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / reps;
            if (r >= rounds / 2) { best = Math.min(best, us); all.append(String.format(" %.1f", us)); }
        }
        System.out.printf("%s kib=%d%s cpu_us/op min=%.1f (%.2f us/KiB) rounds:%s sink=%d%n", what, kib, uni ? " unicode" : "", best, best / kib, all, sink & 1);
    }
}
