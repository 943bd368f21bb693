// b-tool measurement harness (not built by Maven): thread CPU per request of the engine's parse (replay parser and
// the gateway's, which reads answers) and of parse + feature extraction, main's policy-engine jar against the
// branch's, A/B in one JVM (each jar in a class loader of its own), rounds interleaved.
//   java ToolParseCpu.java BASE_JAR HEAD_JAR POLICY ROUNDS REPS
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

public class ToolParseCpu {
    static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    static long sink;

    static String file(int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder("package acme.billing;\n\npublic final class Service {\n");
        while (b.length() < chars) {
            int n = r.nextInt(1000);
            b.append("    /** Totals batch ").append(n).append(". */\n    public long total").append(n)
                    .append("(List<Long> orders) {\n        long sum = 0;\n        for (long o : orders) { if (o > ")
                    .append(r.nextInt(500)).append(") sum += o; }\n        return sum;\n    }\n");
        }
        return b.append("}\n").toString();
    }

    static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** An agentic loop of {@code steps} tool rounds (files of ~fileChars), in the dialect of {@code api}. */
    static byte[] loop(String api, int steps, int fileChars) {
        StringBuilder b = new StringBuilder("{\"model\":\"m\",\"max_tokens\":8192,\"stream\":true,");
        String system = esc("You are Acme Code Assistant, an AI pair programmer embedded in the Acme IDE. Use the tools.");
        String tools = "\"tools\":[{\"name\":\"read_file\",\"input_schema\":{\"type\":\"object\"}},{\"name\":\"run_tests\",\"input_schema\":{\"type\":\"object\"}}]";
        String task = "Add unit tests for src/billing/Service.java and fix what fails.";
        switch (api) {
            case "anthropic" -> {
                b.append("\"system\":\"").append(system).append("\",\"messages\":[{\"role\":\"user\",\"content\":\"").append(task).append("\"}");
                for (int i = 0; i < steps; i++) {
                    b.append(",{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Let me look at the code first.\"},{\"type\":\"tool_use\",\"id\":\"t")
                            .append(i).append("\",\"name\":\"read_file\",\"input\":{\"path\":\"src/billing/Service").append(i).append(".java\"}}]}")
                            .append(",{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t").append(i)
                            .append("\",\"content\":\"").append(esc(file(fileChars, i))).append("\"}]}");
                }
                b.append("],").append(tools).append("}");
            }
            case "chat" -> {
                b.append("\"messages\":[{\"role\":\"system\",\"content\":\"").append(system).append("\"},{\"role\":\"user\",\"content\":\"").append(task).append("\"}");
                for (int i = 0; i < steps; i++) {
                    b.append(",{\"role\":\"assistant\",\"content\":\"Let me look at the code first.\",\"tool_calls\":[{\"id\":\"c").append(i)
                            .append("\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"src/billing/Service")
                            .append(i).append(".java\\\"}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c").append(i).append("\",\"content\":\"")
                            .append(esc(file(fileChars, i))).append("\"}");
                }
                b.append("],").append(tools.replace("\"name\"", "\"type\":\"function\",\"name\"")).append("}");
            }
            default -> {
                b.setLength(0);
                b.append("{\"model\":\"m\",\"max_output_tokens\":8192,\"stream\":true,\"instructions\":\"").append(system)
                        .append("\",\"input\":[{\"role\":\"user\",\"content\":\"").append(task).append("\"}");
                for (int i = 0; i < steps; i++) {
                    b.append(",{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Let me look at the code first.\"}]}")
                            .append(",{\"type\":\"function_call\",\"call_id\":\"c").append(i)
                            .append("\",\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"src/billing/Service").append(i)
                            .append(".java\\\"}\"},{\"type\":\"function_call_output\",\"call_id\":\"c").append(i).append("\",\"output\":\"")
                            .append(esc(file(fileChars, i))).append("\"}");
                }
                b.append("],").append(tools.replace("\"name\"", "\"type\":\"function\",\"name\"")).append("}");
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A plain chat of 2 KiB (no tools): what most requests are. */
    static byte[] plain() {
        return ("{\"model\":\"m\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"" + esc(file(2000, 99))
                + "\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    record Engine(String name, MethodHandle parse, MethodHandle parseAnswers, MethodHandle request, MethodHandle extract,
                  Object anthropic, Object chat, Object responses) {
        Object format(String api) {
            return switch (api) { case "anthropic", "plain" -> anthropic; case "chat" -> chat; default -> responses; };
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Engine load(String name, String jar, Path policy) throws Throwable {
        URLClassLoader cl = new URLClassLoader(new URL[]{Path.of(jar).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        MethodHandles.Lookup l = MethodHandles.publicLookup();
        Class<?> parserC = cl.loadClass("io.extractionguard.engine.request.RequestParser");
        Class<?> fmtC = cl.loadClass("io.extractionguard.engine.request.ApiFormat");
        Class<?> parsedC = cl.loadClass("io.extractionguard.engine.request.ParseResult$Parsed");
        Class<?> reqC = cl.loadClass("io.extractionguard.engine.request.InferenceRequest");
        Object parser = parserC.getConstructor().newInstance();
        Object answers = parserC.getMethod("readingAnswers").invoke(parser);
        MethodHandle parse = l.findVirtual(parserC, "parse", MethodType.methodType(cl.loadClass("io.extractionguard.engine.request.ParseResult"), fmtC, byte[].class));
        Object loader = cl.loadClass("io.extractionguard.engine.policy.PolicyLoader").getConstructor().newInstance();
        Object pol = loader.getClass().getMethod("load", Path.class).invoke(loader, policy);
        Object extractor = pol.getClass().getMethod("extractor").invoke(pol);
        MethodHandle extract = l.findVirtual(extractor.getClass(), "extract", MethodType.methodType(
                cl.loadClass("io.extractionguard.engine.features.RequestFeatures"), reqC)).bindTo(extractor);
        return new Engine(name, parse.bindTo(parser), parse.bindTo(answers), l.findVirtual(parsedC, "request", MethodType.methodType(reqC)),
                extract, Enum.valueOf((Class) fmtC, "ANTHROPIC_MESSAGES"), Enum.valueOf((Class) fmtC, "OPENAI_CHAT_COMPLETIONS"),
                Enum.valueOf((Class) fmtC, "OPENAI_RESPONSES"));
    }

    /** Nanoseconds of thread CPU per op: parse (mode 0), gateway parse (1), parse + extract (2). */
    static double run(Engine e, String api, byte[] body, int mode, int reps) throws Throwable {
        Object fmt = e.format(api);
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) {
            Object r = (mode == 1 ? e.parseAnswers() : e.parse()).invoke(fmt, body);
            if (mode == 2) {
                sink += e.extract().invoke(e.request().invoke(r)).hashCode();
            } else {
                sink += r.hashCode();
            }
        }
        return (CPU.getCurrentThreadCpuTime() - t0) / (double) reps;
    }

    public static void main(String[] a) throws Throwable {
        Engine base = load("main", a[0], Path.of(a[2]));
        Engine head = load("b-tool", a[1], Path.of(a[2]));
        int rounds = Integer.parseInt(a[3]);
        int reps = Integer.parseInt(a[4]);
        String[] apis = {"plain", "anthropic", "chat", "responses"};
        byte[][] bodies = {plain(), loop("anthropic", 6, 2500), loop("chat", 6, 2500), loop("responses", 6, 2500)};
        String[] modes = {"parse (replay)", "parse (gateway)", "parse + features"};
        double[][][] best = new double[2][apis.length][modes.length];
        for (double[][] x : best) for (double[] y : x) Arrays.fill(y, Double.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < apis.length; i++) {
                for (int m = 0; m < modes.length; m++) {
                    Engine[] order = round % 2 == 0 ? new Engine[]{base, head} : new Engine[]{head, base};
                    for (Engine e : order) {
                        double ns = run(e, apis[i], bodies[i], m, reps);
                        int k = e == base ? 0 : 1;
                        best[k][i][m] = Math.min(best[k][i][m], ns);
                    }
                }
            }
        }
        System.out.printf("thread CPU per request, min of %d interleaved rounds of %d (ns); bodies: plain 2 KiB, loops of 6 tool rounds (~%d KiB)%n",
                rounds, reps, bodies[2].length / 1024);
        System.out.printf("%-10s %-18s %10s %10s %7s%n", "body", "stage", "main", "b-tool", "ratio");
        for (int i = 0; i < apis.length; i++) {
            for (int m = 0; m < modes.length; m++) {
                System.out.printf("%-10s %-18s %10.0f %10.0f %7.2f%n", apis[i], modes[m], best[0][i][m], best[1][i][m],
                        best[1][i][m] / best[0][i][m]);
            }
        }
        System.out.println("sink " + (sink & 1));
    }
}
