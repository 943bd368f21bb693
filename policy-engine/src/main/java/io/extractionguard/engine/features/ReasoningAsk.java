package io.extractionguard.engine.features;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.extractionguard.engine.text.Tokenizer;

/**
 * Recognises a request for the model's reasoning by its construction rather than its exact words:
 * within a few words of each other, an <em>exposition</em> verb (show, explain, narrate, spell,
 * walk, justify, …), a word from the <em>reasoning-process</em> families (reason/reasoning,
 * think/thought, deduce/deduction, infer/inference, derive/derivation, logic, step, rationale, how
 * you arrived, …) and a marker of <em>exhaustiveness or explicitness</em> (every, each, all, full,
 * complete, entire, in detail, out loud, line by line, nothing, skip, …); or a reasoning-process
 * word, a sequencing word and an answer word ("reason it out first, then answer", "think before
 * responding"). Words that also name
 * the steps of a how-to (step, process, approach, how you got …) count only next to "your". A
 * phrase lexicon knows the wordings someone wrote down; an adversary paraphrasing "show your full
 * reasoning" keeps this shape because it is what the ask means. One or two of the classes alone are
 * ordinary language ("explain X", "every day", "walk me through the steps"); "step by step" alone
 * is not enough either (teachers and benchmark harnesses say it).
 *
 * <p>Word classes are whole normalised tokens in their inflected forms (the families are listed
 * with their inflections, there is no stemmer). Immutable and thread-safe; matching allocates nothing.
 */
final class ReasoningAsk {

    /** Span in words within which the classes must all occur. */
    static final int WINDOW = 8;

    static final int EXPOSE = 0;
    static final int PROCESS = 1;
    static final int PROCESS_IF_YOURS = 2;
    static final int EXHAUSTIVE = 3;
    static final int SECOND_PERSON = 4;
    static final int SEQUENCE = 5;
    static final int ANSWER = 6;

    private static final List<String> EXPOSE_WORDS = List.of(
            "show", "showing", "shows", "explain", "explaining", "explains", "lay", "laying", "narrate", "narrating",
            "walk", "walking", "spell", "spelling", "describe", "describing", "tell", "justify", "justifying",
            "write", "writing", "talk", "talking", "list", "listing", "include", "including", "reveal", "revealing",
            "expose", "outline", "document", "reconstruct", "trace", "tracing", "articulate", "elaborate",
            "verbalize", "verbalise", "enumerate", "explicate");
    /** Words that name the reasoning itself. */
    private static final List<String> PROCESS_WORDS = List.of(
            "reason", "reasons", "reasoning", "reasoned", "think", "thinking", "thought", "thoughts",
            "logic", "logical", "deduce", "deduced", "deduction", "deductions", "deductive", "infer", "inferred",
            "inference", "inferences", "derive", "derived", "derivation", "derivations", "justification",
            "justifications", "rationale", "arrived", "arrive", "arriving", "workings", "consideration", "considerations",
            "intermediate");
    /** Words that name it only when they are the model's own ("your steps", "how you got"): how-to asks use them too. */
    private static final List<String> PROCESS_IF_YOURS_WORDS = List.of(
            "step", "steps", "process", "move", "moves", "calculation", "calculations", "work", "path",
            "approach", "got", "get", "solved", "solve", "came", "come");
    private static final List<String> EXHAUSTIVE_WORDS = List.of(
            "every", "each", "all", "full", "fully", "complete", "completely", "entire", "entirely", "whole",
            "detail", "detailed", "details", "thorough", "thoroughly", "explicit", "explicitly", "exhaustive",
            "exhaustively", "nothing", "skip", "skipping", "omit", "omitting", "aloud", "loud", "verbatim",
            "slowly", "line", "meticulously", "granular", "unabridged", "everything");
    /** "you" alone is not enough: "can you explain every step of the visa process" is a how-to ask. */
    private static final List<String> SECOND_PERSON_WORDS = List.of("your", "yours", "yourself");
    /** The other construction: reasoning ordered before the answer ("think first, then answer", "reason before answering"). */
    private static final List<String> SEQUENCE_WORDS = List.of("before", "first", "then", "prior", "preceding", "ahead");
    private static final List<String> ANSWER_WORDS = List.of("answer", "answers", "answering", "answered", "solution",
            "respond", "responding", "response", "final", "verdict", "result");

    /** Open-addressing table of word hash to class (0 marks an empty slot, so classes are stored plus one). */
    private final long[] keys;
    private final byte[] values;
    private final int mask;
    /** The class words' bits ({@link PhraseMatcher#filterBit}): most words are in no class, ruled out with one load. */
    private final long[] filter = new long[1 << (PhraseMatcher.FILTER_BITS - 6)];

    private ReasoningAsk(Map<Long, Integer> classes) {
        int capacity = Integer.highestOneBit(classes.size() * 4 - 1) << 1;
        this.keys = new long[capacity];
        this.values = new byte[capacity];
        this.mask = capacity - 1;
        for (Map.Entry<Long, Integer> e : classes.entrySet()) {
            int slot = slot(e.getKey());
            while (values[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = e.getKey();
            values[slot] = (byte) (e.getValue() + 1);
            int bit = PhraseMatcher.filterBit(e.getKey());
            filter[bit >>> 6] |= 1L << bit;
        }
    }

    private int slot(long key) {
        return (int) (key ^ (key >>> 32)) & mask;
    }

    /** The word's class, or -1 when it has none. */
    private int classOf(long word) {
        int bit = PhraseMatcher.filterBit(word);
        if ((filter[bit >>> 6] & 1L << bit) == 0) {
            return -1;
        }
        int slot = slot(word);
        while (values[slot] != 0) {
            if (keys[slot] == word) {
                return values[slot] - 1;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    static ReasoningAsk standard() {
        Tokenizer tokenizer = new Tokenizer();
        Map<Long, Integer> classes = new HashMap<>();
        List<List<String>> byClass = List.of(EXPOSE_WORDS, PROCESS_WORDS, PROCESS_IF_YOURS_WORDS, EXHAUSTIVE_WORDS,
                SECOND_PERSON_WORDS, SEQUENCE_WORDS, ANSWER_WORDS);
        for (int cls = 0; cls < byClass.size(); cls++) {
            for (String w : byClass.get(cls)) {
                Tokenizer.LongList hash = new Tokenizer.LongList(1);
                if (tokenizer.tokenize(w, hash) != 1) {
                    throw new IllegalStateException("'" + w + "' is not one word");
                }
                Integer before = classes.put(hash.get(0), cls);
                if (before != null) {
                    throw new IllegalStateException("'" + w + "' is in two word classes");
                }
            }
        }
        return new ReasoningAsk(classes);
    }

    /**
     * Whether {@code tokens[from, to)} holds an exposition verb, a reasoning-process word (or a
     * step/process word together with "your") and an exhaustiveness marker, or a reasoning-process
     * word ordered before the answer (a sequencing word and an answer word), all within
     * {@link #WINDOW} words of each other.
     */
    boolean matches(Tokenizer.LongList tokens, int from, int to) {
        int far = from - WINDOW - 1;
        int expose = far;
        int process = far;
        int yours = far;
        int exhaustive = far;
        int you = far;
        int sequence = far;
        int answer = far;
        for (int i = from; i < to; i++) {
            int cls = classOf(tokens.get(i));
            if (cls < 0) {
                continue;
            }
            switch (cls) {
                case EXPOSE -> expose = i;
                case PROCESS -> process = i;
                case PROCESS_IF_YOURS -> yours = i;
                case EXHAUSTIVE -> exhaustive = i;
                case SECOND_PERSON -> you = i;
                case SEQUENCE -> sequence = i;
                default -> answer = i;
            }
            int lo = i - WINDOW;
            boolean reasoning = process >= lo || (yours >= lo && you >= lo);
            if (reasoning && expose >= lo && exhaustive >= lo) {
                return true;
            }
            if (process >= lo && sequence >= lo && answer >= lo) {
                return true;
            }
        }
        return false;
    }
}
