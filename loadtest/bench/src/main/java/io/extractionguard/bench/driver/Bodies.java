package io.extractionguard.bench.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Benchmark request bodies: Anthropic Messages requests whose prompt is about {@code kib} KiB of
 * everyday prose assembled from a broad vocabulary, different in every body. The text carries no
 * capability lexicon and no chain-of-thought ask, so the guard's decision is ALLOW and the
 * benchmark measures the cost of evaluating, not of rejecting. One JSON body per line (the format
 * wrk's Lua script and {@link FixedRateDriver} read).
 */
public final class Bodies {

    private static final String[] WORDS = ("garden morning river window letter kitchen market village coffee "
            + "weekend holiday birthday recipe flower mountain harbour bakery bicycle neighbour library "
            + "painting festival picnic weather autumn spring summer winter evening breakfast dinner lunch "
            + "friend family museum theatre concert journey station train ferry island beach forest meadow "
            + "cottage basket lantern candle blanket teapot sweater garden umbrella postcard album photo "
            + "story poem song dance walk hike swim visit cook bake plant paint write read call share "
            + "gentle quiet bright warm cosy lovely simple friendly careful patient happy calm fresh "
            + "green golden silver blue small little big old new early late soft slow kind sunny")
            .split(" ");

    private Bodies() {
    }

    /** Writes {@code count} bodies of about {@code kib} KiB each. */
    public static void write(Path out, int count, int kib, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed + kib);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(body(prose(rng, kib * 1024)));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, lines, StandardCharsets.UTF_8);
    }

    static String prose(SplittableRandom rng, int chars) {
        StringBuilder sb = new StringBuilder(chars + 32);
        int sentence = 0;
        while (sb.length() < chars) {
            String w = WORDS[rng.nextInt(WORDS.length)];
            if (sentence == 0) {
                sb.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
            } else {
                sb.append(' ').append(w);
            }
            if (++sentence > 6 + rng.nextInt(10)) {
                sb.append(". ");
                sentence = 0;
            }
        }
        sb.setLength(chars);
        return sb.toString();
    }

    static String body(String prompt) {
        return "{\"model\":\"demo\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }
}
