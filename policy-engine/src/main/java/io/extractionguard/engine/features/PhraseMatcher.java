package io.extractionguard.engine.features;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.extractionguard.engine.text.TextNormalizer;
import io.extractionguard.engine.text.Tokenizer;

/**
 * Counts occurrences of lexicon phrases (one or more words) in a token-hash sequence.
 * Phrases are normalised and tokenised exactly like request text, so "Show your FULL reasoning",
 * "show your full reasoning" and a homoglyph-obfuscated spelling all match the same entry.
 *
 * <p>Compiled once per policy; immutable and thread-safe. Lookup is by the phrase's first token
 * in an open-addressing table, so matching allocates nothing.
 */
public final class PhraseMatcher {

    private final int labels;
    private final long[] keys;
    private final Phrase[][] phrasesByKey;
    private final int mask;
    /**
     * One bit per value of a token hash's top {@link #FILTER_BITS} bits, set for the phrases' first tokens: most
     * words of a prompt start no phrase, and this 1 KiB bit set (in the L1 cache) rules them out with one load
     * instead of a probe of the table.
     */
    private final long[] firstTokenFilter = new long[1 << (FILTER_BITS - 6)];

    static final int FILTER_BITS = 13;

    private record Phrase(int label, long[] tokens) {
    }

    private PhraseMatcher(int labels, Map<Long, List<Phrase>> byFirstToken) {
        this.labels = labels;
        int capacity = Integer.highestOneBit(Math.max(4, byFirstToken.size() * 2) - 1) << 1;
        this.keys = new long[capacity];
        this.phrasesByKey = new Phrase[capacity][];
        this.mask = capacity - 1;
        for (Map.Entry<Long, List<Phrase>> e : byFirstToken.entrySet()) {
            int slot = slot(e.getKey());
            while (phrasesByKey[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = e.getKey();
            phrasesByKey[slot] = e.getValue().toArray(Phrase[]::new);
            int bit = filterBit(e.getKey());
            firstTokenFilter[bit >>> 6] |= 1L << bit;
        }
    }

    /** The token's bit in a filter of {@code 1 << FILTER_BITS} bits (its top bits; the table's slot uses the low ones). */
    static int filterBit(long token) {
        return (int) (token >>> (Long.SIZE - FILTER_BITS));
    }

    /**
     * Builds a matcher. {@code phrasesByLabel.get(i)} holds the phrases of label {@code i}.
     * Phrases that normalise to no tokens are ignored (the policy validator reports them).
     */
    public static PhraseMatcher compile(List<List<String>> phrasesByLabel) {
        Tokenizer tokenizer = new Tokenizer();
        Tokenizer.LongList tokens = new Tokenizer.LongList(16);
        Map<Long, List<Phrase>> byFirst = new HashMap<>();
        for (int label = 0; label < phrasesByLabel.size(); label++) {
            for (String phrase : phrasesByLabel.get(label)) {
                tokens.clear();
                tokenizer.tokenize(phrase, tokens);
                if (tokens.size() == 0) {
                    continue;
                }
                long[] hashes = new long[tokens.size()];
                for (int i = 0; i < hashes.length; i++) {
                    hashes[i] = tokens.get(i);
                }
                byFirst.computeIfAbsent(hashes[0], k -> new ArrayList<>()).add(new Phrase(label, hashes));
            }
        }
        return new PhraseMatcher(phrasesByLabel.size(), byFirst);
    }

    /** The phrase as the matcher sees it: normalised words joined by single spaces (for duplicate checks). */
    public static String canonical(String phrase) {
        String normalized = TextNormalizer.normalize(phrase);
        StringBuilder out = new StringBuilder(normalized.length());
        for (String word : normalized.split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                out.append(out.isEmpty() ? "" : " ").append(word);
            }
        }
        return out.toString();
    }

    /** Number of word tokens in a phrase (0 means it can never match). */
    public static int tokenCount(String phrase) {
        Tokenizer tokenizer = new Tokenizer();
        return tokenizer.tokenize(phrase, new Tokenizer.LongList(16));
    }

    public int labels() {
        return labels;
    }

    /** Adds, per label, the number of phrase occurrences in {@code tokens[from, to)} to {@code counts}. */
    public void count(Tokenizer.LongList tokens, int from, int to, int[] counts) {
        long[] filter = firstTokenFilter;
        for (int i = from; i < to; i++) {
            long token = tokens.get(i);
            int bit = filterBit(token);
            if ((filter[bit >>> 6] & 1L << bit) == 0) {
                continue;
            }
            Phrase[] candidates = lookup(token);
            if (candidates == null) {
                continue;
            }
            for (Phrase phrase : candidates) {
                if (matchesAt(tokens, i, to, phrase.tokens())) {
                    counts[phrase.label()]++;
                }
            }
        }
    }

    private static boolean matchesAt(Tokenizer.LongList tokens, int at, int to, long[] phrase) {
        if (at + phrase.length > to) {
            return false;
        }
        for (int k = 1; k < phrase.length; k++) {
            if (tokens.get(at + k) != phrase[k]) {
                return false;
            }
        }
        return true;
    }

    private Phrase[] lookup(long key) {
        int slot = slot(key);
        while (phrasesByKey[slot] != null) {
            if (keys[slot] == key) {
                return phrasesByKey[slot];
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }

    private int slot(long key) {
        return (int) (key ^ (key >>> 32)) & mask;
    }
}
