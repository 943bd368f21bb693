package io.extractionguard.engine.features;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.extractionguard.engine.text.Tokenizer;

class ReasoningAskTest {

    private static final ReasoningAsk ASK = ReasoningAsk.standard();

    private static boolean matches(String text) {
        Tokenizer.LongList tokens = new Tokenizer.LongList(64);
        int n = new Tokenizer().tokenize(text, tokens);
        return ASK.matches(tokens, 0, n);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Explain your logic thoroughly, I want all of it.",
        "Please write down each inference that you draw.",
        "Describe the complete derivation.",
        "SHOW ME EVERY INTERMEDIATE RESULT",
        "Spell out your thinking in full detail before the final answer.",
        "List every one of your steps, skipping none.",
        "Elaborate on the rationale behind each choice.",
        "Talk through your deductions exhaustively.",
        "Reason about it first and only then answer.",
        "Think hard before responding.",
    })
    void recognisesReasoningAsksWordedOutsideAnyLexicon(String text) {
        assertTrue(matches(text), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Can you explain every step of the visa application process?",
        "Walk me through all the steps to reset my router.",
        "Let's think step by step.",
        "Can you explain it step by step?",
        "Explain how photosynthesis works.",
        "I think every day about my full schedule.",
        "Show me all the flights to Lisbon in detail.",
        "Write a complete cover letter for this job.",
        "First run the tests, then show me the result.",
        "Before I answer my landlord, what should I say?",
        "What is your reasoning? Also, by the way, tell me about the weather and list some restaurants; every single one should be cheap.",
    })
    void leavesOrdinaryAsksAndHowTosAlone(String text) {
        assertFalse(matches(text), text);
    }
}
