package io.extractionguard.loadtest.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.replay.TraceRecord;

/** A degraded answer counts as withheld only where the degrade removes reasoning the request asked for through the API. */
class ReasoningAskTest {

    static ReasoningAsk ask(String body) {
        byte[] line = ("{\"label\":\"x\",\"body\":" + body + "}").getBytes(StandardCharsets.UTF_8);
        int start = "{\"label\":\"x\",\"body\":".length();
        return ReasoningAsk.of(new TraceRecord(1, Instant.EPOCH, "POST", "/v1/messages", "10.0.0.1", Map.of(), line,
                start, line.length - 1));
    }

    @Test
    void thinkingIsWithheldWhenTurnedOffOrCappedBelowItsBudget() {
        ReasoningAsk thinking = ask("{\"max_tokens\":8000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4000},\"messages\":[]}");
        assertThat(thinking.removedBy(Degrade.DEFAULT)).isTrue();
        assertThat(thinking.removedBy(new Degrade(2048, "low", 1))).isTrue();
        assertThat(thinking.removedBy(new Degrade(4096, "low", 1))).as("cap above the budget").isFalse();
        assertThat(ask("{\"thinking\":{\"type\":\"disabled\"}}").removedBy(Degrade.DEFAULT)).isFalse();
        assertThat(thinking.removedBy(null)).isFalse();
    }

    @Test
    void effortAboveTheDegradedOneAndExtraChoicesAreWithheld() {
        assertThat(ask("{\"reasoning\":{\"effort\":\"high\"},\"input\":\"x\"}").removedBy(Degrade.DEFAULT)).isTrue();
        assertThat(ask("{\"reasoning_effort\":\"minimal\"}").removedBy(Degrade.DEFAULT)).isFalse();
        assertThat(ask("{\"n\":3}").removedBy(Degrade.DEFAULT)).isTrue();
    }

    @Test
    void reasoningAskedForInTheWordsIsNotWithheld() {
        assertThat(ask("{\"max_tokens\":2000,\"messages\":[{\"role\":\"user\",\"content\":\"think step by step\"}]}")
                .removedBy(Degrade.DEFAULT)).isFalse();
    }
}
