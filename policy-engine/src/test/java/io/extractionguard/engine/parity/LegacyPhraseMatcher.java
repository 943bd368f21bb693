package io.extractionguard.engine.parity;

// A frozen copy of the implementation before the single-pass rewrite (main e5e9258), kept only as the
// reference the parity test compares the new one with. Do not change it.

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;


/**
 * Counts occurrences of lexicon phrases (one or more words) in a token-hash sequence.
 * Phrases are normalised and tokenised exactly like request text, so "Show your FULL reasoning",
 * "show your full reasoning" and a homoglyph-obfuscated spelling all match the same entry.
 *
 * <p>Compiled once per policy; immutable and thread-safe. Lookup is by the phrase's first token
 * in an open-addressing table, so matching allocates nothing.
 */
public final class LegacyPhraseMatcher {

    private final int labels;
    private final long[] keys;
    private final Phrase[][] phrasesByKey;
    private final int mask;

    private record Phrase(int label, long[] tokens) {
    }

    private LegacyPhraseMatcher(int labels, Map<Long, List<Phrase>> byFirstToken) {
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
        }
    }

    /**
     * Builds a matcher. {@code phrasesByLabel.get(i)} holds the phrases of label {@code i}.
     * Phrases that normalise to no tokens are ignored (the policy validator reports them).
     */
    public static LegacyPhraseMatcher compile(List<List<String>> phrasesByLabel) {
        LegacyTokenizer tokenizer = new LegacyTokenizer();
        LegacyTokenizer.LongList tokens = new LegacyTokenizer.LongList(16);
        Map<Long, List<Phrase>> byFirst = new HashMap<>();
        for (int label = 0; label < phrasesByLabel.size(); label++) {
            for (String phrase : phrasesByLabel.get(label)) {
                tokens.clear();
                char[] normalized = LegacyTextNormalizer.normalize(phrase).toCharArray();
                tokenizer.tokenize(normalized, normalized.length, tokens);
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
        return new LegacyPhraseMatcher(phrasesByLabel.size(), byFirst);
    }

    /** The phrase as the matcher sees it: normalised words joined by single spaces (for duplicate checks). */
    public static String canonical(String phrase) {
        String normalized = LegacyTextNormalizer.normalize(phrase);
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
        LegacyTokenizer tokenizer = new LegacyTokenizer();
        LegacyTokenizer.LongList tokens = new LegacyTokenizer.LongList(16);
        char[] normalized = LegacyTextNormalizer.normalize(phrase).toCharArray();
        return tokenizer.tokenize(normalized, normalized.length, tokens);
    }

    public int labels() {
        return labels;
    }

    /** Adds, per label, the number of phrase occurrences in {@code tokens[from, to)} to {@code counts}. */
    public void count(LegacyTokenizer.LongList tokens, int from, int to, int[] counts) {
        for (int i = from; i < to; i++) {
            Phrase[] candidates = lookup(tokens.get(i));
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

    private static boolean matchesAt(LegacyTokenizer.LongList tokens, int at, int to, long[] phrase) {
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
