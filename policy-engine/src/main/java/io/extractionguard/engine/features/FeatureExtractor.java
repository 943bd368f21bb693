package io.extractionguard.engine.features;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.text.Tokenizer;

/**
 * Turns an {@link InferenceRequest} into {@link RequestFeatures}: one pass per text that normalises,
 * tokenises and hashes ({@link Tokenizer}), then lexicon counts, a system-prompt hash and the prompt sketch. A
 * prompt asks for reasoning when the policy's phrase lexicon matches or when its new user text has
 * the construction of such an ask ({@link ReasoningAsk}), and when its tool and schema definitions ask in the
 * lexicon's words. A request with content the guard could not read counts as a reasoning ask when the policy says so
 * ({@code features.opaque-content}): what it asks is unknown, so it cannot earn the benefit of looking ordinary.
 *
 * <p>Thread-safe; per-thread scratch buffers keep steady-state extraction free of large
 * allocations. Built once per policy from its lexicons.
 */
public final class FeatureExtractor {

    /** Shingles beyond this many are not sketched: the head of a prompt identifies its template. */
    static final int MAX_SHINGLES = 4096;

    private final PhraseMatcher matcher;
    private final ReasoningAsk reasoningAsk = ReasoningAsk.standard();
    private final int cotLabel;
    private final int minCapabilityMatches;
    private final boolean opaqueAsAsk;
    private final long opaqueMinOutputTokens;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** System prompts longer than this are not cached. */
    static final int MAX_CACHED_SYSTEM_CHARS = 32 * 1024;
    /** System prompts remembered per thread. */
    static final int CACHED_SYSTEM_PROMPTS = 64;

    /** What a system prompt contributes to a request's features: the same for every request that sends it. */
    private record SystemFeatures(long hash, int tokens, int[] counts) {
    }

    private static final class Scratch {
        /**
         * The system prompts this thread saw last. Apps, IDE integrations and SDK wrappers send the same
         * (often long) system prompt with every call; normalising and matching it once is enough.
         */
        final LinkedHashMap<String, SystemFeatures> systems =
                new LinkedHashMap<>(CACHED_SYSTEM_PROMPTS * 2, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, SystemFeatures> eldest) {
                        return size() > CACHED_SYSTEM_PROMPTS;
                    }
                };
        final Tokenizer tokenizer = new Tokenizer();
        final Tokenizer.LongList tokens = new Tokenizer.LongList(1024);
        final long[] shingles = new long[MAX_SHINGLES];
        final PromptSketch.Sketcher sketcher = new PromptSketch.Sketcher();
        final int[] counts = new int[CapabilityArea.values().length + 1];
        /** Definition texts (tools, schemas) this thread saw last, and whether each asks for reasoning. */
        final LinkedHashMap<String, Boolean> definitions =
                new LinkedHashMap<>(CACHED_SYSTEM_PROMPTS * 2, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                        return size() > CACHED_SYSTEM_PROMPTS;
                    }
                };
    }

    /**
     * @param lexicons             phrases per capability area
     * @param cotPhrases           phrases that ask for the model's reasoning
     * @param minCapabilityMatches matches of an area's lexicon needed before a prompt counts as targeting it
     */
    public FeatureExtractor(Map<CapabilityArea, List<String>> lexicons, List<String> cotPhrases,
                            int minCapabilityMatches) {
        this(lexicons, cotPhrases, minCapabilityMatches, true, 2000);
    }

    /**
     * @param opaqueAsAsk           whether a request with content the guard cannot read counts as a reasoning ask
     * @param opaqueMinOutputTokens ... when its output budget is at least this (or unset)
     */
    public FeatureExtractor(Map<CapabilityArea, List<String>> lexicons, List<String> cotPhrases,
                            int minCapabilityMatches, boolean opaqueAsAsk, long opaqueMinOutputTokens) {
        this.opaqueAsAsk = opaqueAsAsk;
        this.opaqueMinOutputTokens = opaqueMinOutputTokens;
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
        Arrays.fill(s.counts, 0);

        long systemHash = 0;
        int systemTokens = 0;
        String system = request.systemText();
        if (!system.isEmpty()) {
            SystemFeatures known = system.length() <= MAX_CACHED_SYSTEM_CHARS ? s.systems.get(system) : null;
            if (known == null) {
                int n = s.tokenizer.tokenize(system, tokens);
                int[] counts = new int[s.counts.length];
                matcher.count(tokens, 0, n, counts);
                known = new SystemFeatures(hashTokens(s, 0, n), n, counts);
                if (system.length() <= MAX_CACHED_SYSTEM_CHARS) {
                    s.systems.put(system, known);
                }
                tokens.clear();
            }
            for (int i = 0; i < s.counts.length; i++) {
                s.counts[i] += known.counts()[i];
            }
            systemHash = known.hash();
            systemTokens = known.tokens();
        }
        int userStart = tokens.size();
        s.tokenizer.tokenize(request.lastUserText(), tokens);
        int userEnd = tokens.size();
        matcher.count(tokens, userStart, userEnd, s.counts);

        int mask = 0;
        for (CapabilityArea area : CapabilityArea.values()) {
            if (s.counts[area.ordinal()] >= minCapabilityMatches) {
                mask |= area.bit();
            }
        }
        boolean cot = s.counts[cotLabel] > 0 || reasoningAsk.matches(tokens, userStart, userEnd);
        byte[] sketch = sketch(s, userStart, userEnd);
        int promptTokens = systemTokens + tokens.size();
        if (!cot && !request.definitionText().isEmpty()) {
            cot = definitionsAsk(s, request.definitionText());
        }
        boolean opaque = request.hasOpaqueContent();
        if (opaque && opaqueAsAsk && !cot) {
            long appetite = request.outputAppetite();
            cot = appetite < 0 || appetite >= opaqueMinOutputTokens;
        }
        return new RequestFeatures(sketch, systemHash, mask, cot, request.outputAppetite(),
                request.toolNames().size(), promptTokens, request.historyChars() == 0, opaque);
    }

    /**
     * Whether tool or schema definitions ask for the full reasoning in the lexicon's words (their capability words
     * are not counted: an agent's tools describe shells and files whatever it is asked). Cached per thread like a
     * system prompt: an app sends the same definitions with every call. Uses the scratch token list after the
     * request's own tokens.
     */
    private boolean definitionsAsk(Scratch s, String definitions) {
        Boolean known = s.definitions.get(definitions);
        if (known != null) {
            return known;
        }
        Tokenizer.LongList tokens = s.tokens;
        int from = tokens.size();
        int n = s.tokenizer.tokenize(definitions, tokens);
        int[] counts = new int[s.counts.length];
        matcher.count(tokens, from, from + n, counts);
        boolean asks = counts[cotLabel] > 0;
        if (definitions.length() <= MAX_CACHED_SYSTEM_CHARS) {
            s.definitions.put(definitions, asks);
        }
        return asks;
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
        return s.sketcher.sketch(shingles, count);
    }
}
