// c-prep measurement harness (not built by Maven). Same-JVM A/B of the preparation stages of two or more jars: each jar
// (loadtest/jmh/target/benchmarks.jar of a build: engine + dependencies) in its own class loader, rounds interleaved
// and rotated, thread CPU per op. javac -cp BENCH.jar -d DIR PrepOps.java AB.java Prof.java; java -Dharness=DIR -cp DIR
// AB BODIES.jsonl REPS ROUNDS base=OLD.jar head=NEW.jar  (BODIES: the cost bench's, BodiesCommand OUT KIB)
import java.lang.management.*;
import java.net.*;
import java.nio.file.*;
import java.util.*;
import java.util.function.IntSupplier;
/** java AB BODIES REPS ROUNDS name=jar[,dir] ... : same-JVM A/B of PrepOps stages, thread CPU us/op, rounds interleaved; prints each jar's features per round (a JIT still warming shows as a slow first phase). */
public class AB {
    public static void main(String[] a) throws Exception {
        String bodies = a[0]; int reps = Integer.parseInt(a[1]); int rounds = Integer.parseInt(a[2]);
        List<String> names = new ArrayList<>(); List<IntSupplier[]> ops = new ArrayList<>();
        URL harness = Path.of(System.getProperty("harness", ".")).toUri().toURL();
        for (int j = 3; j < a.length; j++) {
            String[] nv = a[j].split("=", 2);
            List<URL> urls = new ArrayList<>();
            for (String p : nv[1].split(",")) urls.add(Path.of(p).toUri().toURL());
            urls.add(harness);
            ClassLoader cl = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            names.add(nv[0]);
            ops.add((IntSupplier[]) cl.loadClass("PrepOps").getMethod("ops", String.class).invoke(null, bodies));
        }
        String[] stage = {"parse", "identity", "features", "prepare"};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int v = names.size(); int s = stage.length;
        double[][][] us = new double[v][s][rounds];
        long sink = 0;
        for (int r = 0; r < rounds; r++) for (int st = 0; st < s; st++) for (int vv0 = 0; vv0 < v; vv0++) {
            int vv = (vv0 + r) % v;
            IntSupplier op = ops.get(vv)[st];
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) sink += op.getAsInt();
            us[vv][st][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / reps;
        }
        for (int vv = 0; vv < v; vv++) { StringBuilder rb = new StringBuilder(names.get(vv) + " features rounds:"); for (int r = 0; r < rounds; r++) rb.append(String.format(" %.1f", us[vv][2][r])); System.out.println(rb); }
        int from = rounds / 3;
        for (int st = 0; st < s; st++) {
            StringBuilder b = new StringBuilder(String.format("%-9s", stage[st]));
            for (int vv = 0; vv < v; vv++) { double[] m = Arrays.copyOfRange(us[vv][st], from, rounds); Arrays.sort(m);
                b.append(String.format("  %s %.2f (min %.2f)", names.get(vv), m[m.length / 2], m[0])); }
            for (int vv = 1; vv < v; vv++) { double[] q = new double[rounds - from];
                for (int r = from; r < rounds; r++) q[r - from] = us[vv][st][r] / us[0][st][r]; Arrays.sort(q);
                b.append(String.format("  %s/%s %.3f (%.3f-%.3f)", names.get(vv), names.get(0), q[q.length / 2], q[0], q[q.length - 1])); }
            System.out.println(b);
        }
        if (sink == 42) System.out.println();
    }
}
