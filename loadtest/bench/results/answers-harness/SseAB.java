// c-gate harness (not built by Maven): same-JVM A/B of the gateway's ResponseMeter (usage + answer digests) of two
// jars, thread CPU per response, rounds interleaved. Unpack each jar's BOOT-INF (unzip JAR 'BOOT-INF/*'), then
// javac -d OUT SseAB.java; java -cp OUT SseAB ROUNDS REPS base=DIR/BOOT-INF head=DIR/BOOT-INF
import java.lang.management.*;
import java.lang.reflect.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.function.LongConsumer;

public class SseAB {
    static long sink;
    static final String[] W = ("the a of to and in that is for it with as was on be by this are from at function "
            + "python code implement algorithm data structure return value list sort search tree graph step answer").split(" ");
    static String text(int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed); StringBuilder b = new StringBuilder();
        while (b.length() < chars) b.append(b.isEmpty() ? "" : r.nextInt(12) == 0 ? ".\\n\\n" : " ").append(W[r.nextInt(W.length)]);
        return b.toString();
    }
    static List<String> pieces(String t) { List<String> p = new ArrayList<>(); String[] w = t.split(" ");
        for (int i = 0; i < w.length; i += 4) { StringBuilder s = new StringBuilder(); for (int k = i; k < Math.min(w.length, i + 4); k++) s.append(k == 0 ? "" : " ").append(w[k]); p.add(s.toString()); } return p; }
    static byte[] anthropicSse(String t) {
        StringBuilder b = new StringBuilder("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\n");
        b.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        b.append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        for (String p : pieces(t)) b.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"").append(p).append("\"}}\n\n");
        b.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        b.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + t.length() / 4 + "}}\n\n");
        b.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
    static byte[] chatSse(String t) {
        StringBuilder b = new StringBuilder("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (String p : pieces(t)) b.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"").append(p).append("\"},\"finish_reason\":null}]}\n\n");
        b.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        b.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":" + t.length() / 4 + ",\"total_tokens\":99}}\n\n");
        b.append("data: [DONE]\n\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
    static byte[] responsesSse(String t) {
        StringBuilder b = new StringBuilder();
        int[] seq = {0};
        java.util.function.Consumer<String> ev = d -> b.append("event: ").append(d, 9, d.indexOf('"', 9)).append("\ndata: ").append(d).append("\n\n");
        String resp = "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"m\",\"output\":[],\"usage\":null}";
        ev.accept("{\"type\":\"response.created\",\"sequence_number\":0,\"response\":" + resp + "}");
        ev.accept("{\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":" + resp + "}");
        ev.accept("{\"type\":\"response.output_item.added\",\"sequence_number\":2,\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}}");
        ev.accept("{\"type\":\"response.content_part.added\",\"sequence_number\":3,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"annotations\":[],\"text\":\"\"}}");
        int s = 4;
        for (String p : pieces(t)) ev.accept("{\"type\":\"response.output_text.delta\",\"sequence_number\":" + (s++) + ",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"" + p + "\",\"logprobs\":[]}");
        ev.accept("{\"type\":\"response.output_text.done\",\"sequence_number\":" + (s++) + ",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"text\":\"" + t + "\",\"logprobs\":[]}");
        String part = "{\"type\":\"output_text\",\"annotations\":[],\"text\":\"" + t + "\"}";
        ev.accept("{\"type\":\"response.content_part.done\",\"sequence_number\":" + (s++) + ",\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"part\":" + part + "}");
        String item = "{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\",\"content\":[" + part + "],\"role\":\"assistant\"}";
        ev.accept("{\"type\":\"response.output_item.done\",\"sequence_number\":" + (s++) + ",\"output_index\":0,\"item\":" + item + "}");
        ev.accept("{\"type\":\"response.completed\",\"sequence_number\":" + (s++) + ",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"m\",\"output\":[" + item + "],\"usage\":{\"input_tokens\":20,\"output_tokens\":" + t.length() / 4 + ",\"total_tokens\":99}}}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
    static byte[] anthropicJson(String t) {
        return ("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"" + t
                + "\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":" + t.length() / 4 + "}}").getBytes(StandardCharsets.UTF_8);
    }

    interface Meter { void run(byte[] body); }
    static Meter meter(String dir, boolean sse) throws Exception {
        List<URL> urls = new ArrayList<>(); urls.add(Path.of(dir, "classes").toUri().toURL());
        try (var s = Files.list(Path.of(dir, "lib"))) { for (Path p : (Iterable<Path>) s::iterator) urls.add(p.toUri().toURL()); }
        ClassLoader cl = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Class<?> rm = cl.loadClass("io.extractionguard.gateway.usage.ResponseMeter");
        Class<?> jf = cl.loadClass("tools.jackson.core.json.JsonFactory");
        Object factory = jf.getMethod("builder").invoke(null); factory = factory.getClass().getMethod("build").invoke(factory);
        Method make = sse ? rm.getDeclaredMethod("sse", jf, boolean.class, long.class, LongConsumer.class) : rm.getDeclaredMethod("json", jf, long.class, LongConsumer.class);
        make.setAccessible(true);
        Method feed = rm.getDeclaredMethod("feed", ByteBuffer.class); feed.setAccessible(true);
        Method usage = rm.getDeclaredMethod("usage", boolean.class); usage.setAccessible(true);
        Object f = factory; LongConsumer ans = d -> sink += d;
        java.lang.invoke.MethodHandles.Lookup lk = java.lang.invoke.MethodHandles.lookup();
        var mk = lk.unreflect(make); var fd = lk.unreflect(feed); var us = lk.unreflect(usage);
        return body -> { try {
            Object m = sse ? mk.invoke(f, false, 100L, ans) : mk.invoke(f, 100L, ans);
            for (int off = 0; off < body.length; off += 8192) fd.invoke(m, ByteBuffer.wrap(body, off, Math.min(8192, body.length - off)));
            sink += us.invoke(m, true).hashCode();
        } catch (Throwable e) { throw new RuntimeException(e); } };
    }
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        String t = text(2048, 2);
        byte[][] bodies = {anthropicSse(t), chatSse(t), responsesSse(t), anthropicJson(t)};
        String[] cases = {"anthropic-sse", "chat-sse", "responses-sse", "anthropic-json"};
        boolean[] sse = {true, true, true, false};
        int v = a.length - 2; String[] names = new String[v]; Meter[][] m = new Meter[v][cases.length];
        for (int j = 0; j < v; j++) { String[] nv = a[j + 2].split("=", 2); names[j] = nv[0]; for (int c = 0; c < cases.length; c++) m[j][c] = meter(nv[1], sse[c]); }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][][] us = new double[v][cases.length][rounds];
        for (int r = 0; r < rounds; r++) for (int c = 0; c < cases.length; c++) for (int j0 = 0; j0 < v; j0++) {
            int j = (j0 + r) % v; long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) m[j][c].run(bodies[c]);
            us[j][c][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / reps;
        }
        int from = rounds / 3;
        for (int c = 0; c < cases.length; c++) {
            StringBuilder b = new StringBuilder(String.format("%-15s %6d B", cases[c], bodies[c].length));
            for (int j = 0; j < v; j++) { double[] x = Arrays.copyOfRange(us[j][c], from, rounds); Arrays.sort(x); b.append(String.format("  %s %.2f us", names[j], x[x.length / 2])); }
            for (int j = 1; j < v; j++) { double[] q = new double[rounds - from]; for (int r = from; r < rounds; r++) q[r - from] = us[j][c][r] / us[0][c][r]; Arrays.sort(q);
                b.append(String.format("  %s/%s %.3f (%.3f-%.3f)", names[j], names[0], q[q.length / 2], q[0], q[q.length - 1])); }
            System.out.println(b);
        }
        System.out.println("# sink " + sink);
    }
}
