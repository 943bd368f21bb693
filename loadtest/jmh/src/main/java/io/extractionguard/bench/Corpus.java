package io.extractionguard.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic English-like prompt text and request bodies of a given size for the benchmarks. */
final class Corpus {

    private static final String[] WORDS = ("the a of to and in that is for it with as was on be by this are from at "
            + "or have an which you one had not but what all were when we there can more if no out so said "
            + "function python code implement algorithm data structure return value list sort search tree graph "
            + "please explain how why step reasoning answer question problem solve write test class method error "
            + "plan project roadmap milestone team budget schedule story poem recipe travel history music garden "
            + "model training dataset evaluate performance memory network request response server client database")
            .split(" ");

    private Corpus() {
    }

    /** About {@code bytes} bytes of words, seeded. */
    static String text(int bytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder(bytes + 16);
        while (b.length() < bytes) {
            if (!b.isEmpty()) {
                b.append(random.nextInt(12) == 0 ? ". " : " ");
            }
            b.append(WORDS[random.nextInt(WORDS.length)]);
        }
        b.setLength(bytes);
        return b.toString();
    }

    static byte[] anthropicBody(String prompt) {
        return ("{\"model\":\"claude-bench\",\"max_tokens\":4096,\"system\":\"You are a helpful assistant.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] openAiBody(String prompt) {
        return ("{\"model\":\"gpt-bench\",\"max_completion_tokens\":4096,\"messages\":[{\"role\":\"system\","
                + "\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"" + prompt + "\"}]}]}").getBytes(StandardCharsets.UTF_8);
    }
}
