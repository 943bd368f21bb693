package io.extractionguard.engine.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.dynatrace.hash4j.similarity.ElementHashProvider;
import com.dynatrace.hash4j.similarity.SimilarityHasher;

import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.text.TextNormalizer;
import io.extractionguard.engine.text.Tokenizer;

/**
 * Turns an {@link InferenceRequest} into {@link RequestFeatures}: one normalisation and one
 * tokenisation pass per text, then lexicon counts, a system-prompt hash and the prompt sketch.
 *
 * <p>Thread-safe; per-thread scratch buffers keep steady-state extraction free of large
 * allocations. Built once per policy from its lexicons.
 */
public final class FeatureExtractor {

    /** Shingles beyond this many are not sketched: the head of a prompt identifies its template. */
    static final int MAX_SHINGLES = 4096;

    private final PhraseMatcher matcher;
    private final int cotLabel;
    private final int minCapabilityMatches;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final Tokenizer tokenizer = new Tokenizer();
        final TextNormalizer.CharBuffer text = new TextNormalizer.CharBuffer(4096);
        final Tokenizer.LongList tokens = new Tokenizer.LongList(1024);
        final long[] shingles = new long[MAX_SHINGLES];
        final SimilarityHasher hasher = PromptSketch.POLICY.createHasher();
        final int[] counts = new int[CapabilityArea.values().length + 1];
    }

    /**
     * @param lexicons             phrases per capability area
     * @param cotPhrases           phrases that ask for the model's reasoning
     * @param minCapabilityMatches matches of an area's lexicon needed before a prompt counts as targeting it
     */
    public FeatureExtractor(Map<CapabilityArea, List<String>> lexicons, List<String> cotPhrases,
                            int minCapabilityMatches) {
        List<List<String>> byLabel = new ArrayList<>();
        for (CapabilityArea area : CapabilityArea.values()) {
            byLabel.add(lexicons.getOrDefault(area, List.of()));
        }
        this.cotLabel = byLabel.size();
        byLabel.add(cotPhrases);
        this.matcher = PhraseMatcher.compile(byLabel);
        this.minCapabilityMatches = minCapabilityMatches;
    }

    public RequestFeatures extract(InferenceRequest request) {
        Scratch s = scratch.get();
        Tokenizer.LongList tokens = s.tokens;
        tokens.clear();
        java.util.Arrays.fill(s.counts, 0);

        long systemHash = 0;
        if (!request.systemText().isEmpty()) {
            TextNormalizer.normalizeInto(request.systemText(), s.text);
            int n = s.tokenizer.tokenize(s.text.array(), s.text.length(), tokens);
            matcher.count(tokens, 0, n, s.counts);
            systemHash = hashTokens(s, 0, n);
        }
        int userStart = tokens.size();
        TextNormalizer.normalizeInto(request.lastUserText(), s.text);
        s.tokenizer.tokenize(s.text.array(), s.text.length(), tokens);
        int userEnd = tokens.size();
        matcher.count(tokens, userStart, userEnd, s.counts);

        int mask = 0;
        for (CapabilityArea area : CapabilityArea.values()) {
            if (s.counts[area.ordinal()] >= minCapabilityMatches) {
                mask |= area.bit();
            }
        }
        boolean cot = s.counts[cotLabel] > 0;
        byte[] sketch = sketch(s, userStart, userEnd);
        return new RequestFeatures(sketch, systemHash, mask, cot, request.maxOutputTokens(),
                request.toolNames().size(), tokens.size());
    }

    private static long hashTokens(Scratch s, int from, int to) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = from; i < to; i++) {
            h = s.tokenizer.shingle(h, s.tokens.get(i), i - from);
        }
        return h == 0 ? 1 : h;
    }

    private static byte[] sketch(Scratch s, int from, int to) {
        int words = to - from;
        if (words == 0) {
            return null;
        }
        long[] shingles = s.shingles;
        int count;
        if (words < 3) {
            count = words;
            for (int i = 0; i < words; i++) {
                shingles[i] = s.tokens.get(from + i);
            }
        } else {
            count = Math.min(words - 2, MAX_SHINGLES);
            for (int i = 0; i < count; i++) {
                int at = from + i;
                shingles[i] = s.tokenizer.shingle(s.tokens.get(at), s.tokens.get(at + 1), s.tokens.get(at + 2));
            }
        }
        final int n = count;
        return s.hasher.compute(ElementHashProvider.ofFunction(i -> shingles[i], n));
    }
}
