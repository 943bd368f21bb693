// f-answers measurement harness (not built by Maven): thread CPU per response of the gateway's ResponseMeter with
// and without answer digests (A/B in one JVM, interleaved rounds), and of the request parser with and without
// reading claimed answers. Compile into the package of ResponseMeter (package-private):
//   javac -d OUT -cp GATEWAY_CLASSPATH AnswerCpu.java && java -cp OUT:GATEWAY_CLASSPATH io.extractionguard.gateway.usage.AnswerCpu ROUNDS REPS
package io.extractionguard.gateway.usage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.RequestParser;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

public class AnswerCpu {
    static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String[] WORDS = ("the a of to and in that is for it with as was on be by this are from at function "
            + "python code implement algorithm data structure return value list sort search tree graph step answer")
            .split(" ");
    static long sink;

    static String text(int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder();
        while (b.length() < chars) {
            b.append(b.isEmpty() ? "" : r.nextInt(12) == 0 ? ".\n\n" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return b.toString();
    }

    static byte[] json(String text) {
        ObjectNode m = JSON.createObjectNode().put("id", "msg_1").put("type", "message").put("role", "assistant");
        m.putArray("content").addObject().put("type", "text").put("text", text);
        m.put("stop_reason", "end_turn").putObject("usage").put("input_tokens", 20).put("output_tokens", text.length() / 4);
        return JSON.writeValueAsBytes(m);
    }

    /** Anthropic SSE, a delta per ~4 words (as models stream). */
    static byte[] sse(String text) {
        StringBuilder b = new StringBuilder();
        b.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\n");
        b.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                + "{\"type\":\"text\",\"text\":\"\"}}\n\n");
        String[] words = text.split(" ");
        for (int i = 0; i < words.length; i += 4) {
            StringBuilder piece = new StringBuilder();
            for (int k = i; k < Math.min(words.length, i + 4); k++) {
                piece.append(k == 0 ? "" : " ").append(words[k]);
            }
            ObjectNode d = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            d.putObject("delta").put("type", "text_delta").put("text", piece.toString());
            b.append("event: content_block_delta\ndata: ").append(JSON.writeValueAsString(d)).append("\n\n");
        }
        b.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        b.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":" + text.length() / 4 + "}}\n\n");
        b.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static final JsonFactory FACTORY = JsonFactory.builder().build();

    static void meter(byte[] body, boolean isSse, boolean answers) {
        ResponseMeter m = isSse ? ResponseMeter.sse(FACTORY, false, 100, answers ? d -> sink += d : null)
                : ResponseMeter.json(FACTORY, 100, answers ? d -> sink += d : null);
        for (int off = 0; off < body.length; off += 8192) { // network-sized buffers
            m.feed(ByteBuffer.wrap(body, off, Math.min(8192, body.length - off)));
        }
        sink += m.usage(true).outputTokens();
    }

    static byte[] followUp(String answer) {
        ObjectNode r = JSON.createObjectNode().put("model", "m").put("max_tokens", 4000);
        var msgs = r.putArray("messages");
        msgs.addObject().put("role", "user").put("content", "Write a function that merges two sorted lists.");
        msgs.addObject().put("role", "assistant").putArray("content").addObject().put("type", "text").put("text", answer);
        msgs.addObject().put("role", "user").put("content", "why is that linear?");
        return JSON.writeValueAsBytes(r);
    }

    interface Op {
        void run();
    }

    static double cpuMicros(Op op, int reps) {
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) {
            op.run();
        }
        return (CPU.getCurrentThreadCpuTime() - t0) / 1000.0 / reps;
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        RequestParser plain = new RequestParser();
        RequestParser answers = plain.readingAnswers();
        System.out.println("case\tA_us(median)\tB_us(median)\tB-A_us\tB/A");
        for (int kib : new int[]{2, 16}) {
            String text = text(kib * 1024, kib);
            byte[] j = json(text);
            byte[] s = sse(text);
            byte[] req = followUp(text);
            Op[][] cases = {
                    {() -> meter(j, false, false), () -> meter(j, false, true)},
                    {() -> meter(s, true, false), () -> meter(s, true, true)},
                    {() -> sink += plain.parse(ApiFormat.ANTHROPIC_MESSAGES, req).hashCode(),
                            () -> sink += answers.parse(ApiFormat.ANTHROPIC_MESSAGES, req).hashCode()},
                    {() -> sink += text.length(), () -> sink += io.extractionguard.engine.request.AnswerDigest.of(text)}};
            String[] names = {"response-json-" + kib + "KiB", "response-sse-" + kib + "KiB", "request-parse-" + kib + "KiB",
                    "digest-alone-" + kib + "KiB"};
            for (int c = 0; c < cases.length; c++) {
                double[] a = new double[rounds];
                double[] b = new double[rounds];
                for (int warm = 0; warm < 3; warm++) {
                    cpuMicros(cases[c][0], reps);
                    cpuMicros(cases[c][1], reps);
                }
                for (int r = 0; r < rounds; r++) { // alternate the order so drift hits both
                    if (r % 2 == 0) {
                        a[r] = cpuMicros(cases[c][0], reps);
                        b[r] = cpuMicros(cases[c][1], reps);
                    } else {
                        b[r] = cpuMicros(cases[c][1], reps);
                        a[r] = cpuMicros(cases[c][0], reps);
                    }
                }
                java.util.Arrays.sort(a);
                java.util.Arrays.sort(b);
                double ma = a[rounds / 2];
                double mb = b[rounds / 2];
                System.out.printf("%s\t%.2f\t%.2f\t%.2f\t%.3f%n", names[c], ma, mb, mb - ma, mb / ma);
            }
        }
        System.out.println("# sink " + sink);
    }
}
