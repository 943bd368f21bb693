package io.extractionguard.loadtest.eval;

import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.replay.TraceRecord;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * What a trace request asks of the model through the API that a {@link Degrade} can withhold:
 * Anthropic extended thinking (and its budget), an OpenAI reasoning effort, more than one choice.
 * Reasoning asked for in the prompt's words is answered in the visible text, which no degrade removes.
 *
 * @param thinking       Anthropic {@code thinking} present and not disabled
 * @param thinkingBudget its {@code budget_tokens}, -1 when absent or not a number
 * @param effort         {@code reasoning_effort} / {@code reasoning.effort}, null when absent
 * @param choices        the larger of {@code n} and {@code best_of}, 1 when absent
 */
record ReasoningAsk(boolean thinking, long thinkingBudget, String effort, long choices) {

    static final ReasoningAsk NONE = new ReasoningAsk(false, -1, null, 1);
    private static final JsonFactory JSON = new JsonFactory();

    /** Whether answering this request under {@code degrade} withholds something it asked for. */
    boolean removedBy(Degrade degrade) {
        if (degrade == null) {
            return false;
        }
        boolean thinkingCut = thinking && (degrade.thinkingBudget() == 0 || thinkingBudget < 0
                || thinkingBudget > degrade.thinkingBudget());
        return thinkingCut || (effort != null && degrade.lowers(effort)) || choices > degrade.maxChoices();
    }

    /** The body's top-level asks, read without building a tree. */
    static ReasoningAsk of(TraceRecord record) {
        if (record.bodyEnd() <= record.bodyStart()) {
            return NONE;
        }
        boolean thinking = false;
        long budget = -1;
        String effort = null;
        long choices = 1;
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), record.line(), record.bodyStart(),
                record.bodyEnd() - record.bodyStart())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "thinking", "reasoning" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            continue;
                        }
                        String inner;
                        boolean enabled = name.equals("thinking");
                        while ((inner = p.nextName()) != null) {
                            JsonToken v = p.nextToken();
                            if (name.equals("thinking") && inner.equals("type") && v == JsonToken.VALUE_STRING) {
                                enabled = !p.getString().equals("disabled");
                            } else if (name.equals("thinking") && inner.equals("budget_tokens") && v.isNumeric()) {
                                budget = p.getLongValue();
                            } else if (name.equals("reasoning") && inner.equals("effort") && v == JsonToken.VALUE_STRING) {
                                effort = p.getString();
                            } else {
                                p.skipChildren();
                            }
                        }
                        thinking |= enabled;
                    }
                    case "reasoning_effort" -> effort = t == JsonToken.VALUE_STRING ? p.getString() : effort;
                    case "n", "best_of" -> choices = t.isNumeric() ? Math.max(choices, p.getLongValue()) : choices;
                    default -> p.skipChildren();
                }
            }
        } catch (RuntimeException e) {
            return NONE; // the replay reports unreadable lines
        }
        return new ReasoningAsk(thinking, budget, effort, choices);
    }
}
