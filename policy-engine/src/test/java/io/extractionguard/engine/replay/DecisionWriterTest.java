package io.extractionguard.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.decision.Decision;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

class DecisionWriterTest {

    /** The decisions file as the Jackson generator wrote it before (the reference bytes). */
    private static byte[] jackson(List<Long> lines, List<Decision> decisions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JsonFactory.builder().rootValueSeparator((String) null).build()
                .createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
            for (int i = 0; i < decisions.size(); i++) {
                Decision d = decisions.get(i);
                json.writeStartObject();
                json.writeNumberProperty("line", lines.get(i));
                json.writeStringProperty("account", d.accountId());
                json.writeStringProperty("action", d.action().name());
                json.writeNumberProperty("score", d.score());
                json.writeName("reasons");
                json.writeStartArray();
                for (String r : d.reasons()) {
                    json.writeString(r);
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeRaw('\n');
            }
        }
        return out.toByteArray();
    }

    private static String id(Random random) {
        String[] odd = {"acct-\"quoted\"", "back\\slash", "tab\there", "nl\nx", "\u0001ctl", "caf\u00e9", "\u6f22\u5b57",
                "emoji-\ud83d\ude00", "del\u007f", "slash/ok", ""};
        if (random.nextInt(10) == 0) {
            return odd[random.nextInt(odd.length)];
        }
        return random.nextBoolean() ? "acct-" + random.nextInt(100_000) : "key-" + Long.toHexString(random.nextLong());
    }

    @Test
    void writesTheBytesAJacksonGeneratorWritesForTheSameDecisions() throws Exception {
        Random random = new Random(17);
        List<Long> lines = new ArrayList<>();
        List<Decision> decisions = new ArrayList<>();
        double[] scores = {0, 100, 0.1, 99.9, 1e-7, 12345678.9, -0.0, 63.5, 1.0E10};
        for (int i = 0; i < 30_000; i++) { // more than the 64 KiB buffer: flushes in the middle of lines too
            List<String> reasons = new ArrayList<>();
            for (int r = random.nextInt(5); r > 0; r--) {
                reasons.add(random.nextInt(4) == 0 ? id(random) : "campaign/template");
            }
            double score = i < scores.length ? scores[i] : Math.round(random.nextDouble() * 1000) / 10.0;
            decisions.add(decision(id(random), Action.values()[random.nextInt(Action.values().length)], score, reasons));
            lines.add(random.nextInt(20) == 0 ? Long.MAX_VALUE - i : i + 1L);
        }
        decisions.add(decision("x".repeat(70_000), Action.ALLOW, 1, List.of("y".repeat(5000))));
        lines.add(1L);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DecisionWriter writer = new DecisionWriter(out)) {
            for (int i = 0; i < decisions.size(); i++) {
                writer.write(lines.get(i), decisions.get(i));
            }
        }
        assertThat(out.toByteArray()).isEqualTo(jackson(lines, decisions));
    }

    @Test
    void writesARejectedLineAsAJacksonGeneratorWouldWithTheContractsFieldsFirst() throws Exception {
        Random random = new Random(5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DecisionWriter writer = new DecisionWriter(out);
             JsonGenerator json = JsonFactory.builder().rootValueSeparator((String) null).build()
                     .createGenerator(ObjectWriteContext.empty(), expected, JsonEncoding.UTF8)) {
            for (int i = 0; i < 200; i++) {
                Replay.Rejection r = new Replay.Rejection(i % 2 == 0 ? "INVALID_REQUEST" : "TOO_LARGE",
                        "request body has a key twice in one object (line 1, column " + i + ")" + (i % 7 == 0 ? id(random) : ""),
                        id(random));
                writer.writeRejected(i + 1, r);
                json.writeStartObject();
                json.writeNumberProperty("line", i + 1);
                json.writeStringProperty("account", r.accountId());
                json.writeStringProperty("action", "BLOCK");
                json.writeNumberProperty("score", 0.0);
                json.writeName("reasons");
                json.writeStartArray();
                json.writeEndArray();
                json.writeStringProperty("rejected", r.cause());
                json.writeStringProperty("error", r.message());
                json.writeEndObject();
                json.writeRaw('\n');
            }
        }
        assertThat(out.toByteArray()).isEqualTo(expected.toByteArray());
    }

    private static Decision decision(String account, Action action, double score, List<String> reasons) {
        Decision.Basis basis = new Decision.Basis(account, score, List.of(), null, "p");
        return switch (action) {
            case ALLOW -> Decision.allow(basis, reasons, null, null);
            case SHADOW -> Decision.shadow(basis, Action.BLOCK, reasons, null, null);
            case THROTTLE -> Decision.throttle(basis, Decision.Throttle.RATE_LIMIT, reasons, null, null);
            case CHALLENGE -> Decision.challenge(basis, reasons, null);
            case BLOCK -> Decision.block(basis, reasons);
        };
    }
}
