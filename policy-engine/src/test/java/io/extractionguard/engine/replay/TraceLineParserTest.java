package io.extractionguard.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.identity.Rfc3339;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The byte-level envelope reader against Jackson's reading of the same lines. */
class TraceLineParserTest {

    private final TraceLineParser parser = new TraceLineParser();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"caf\\u00e9 \\\"quoted\\\" \\\\ back\\nslash — ünïcödé 漢字 \\ud83d\\ude00\"}]}";

    private TraceLineParser.Parsed parse(String line) {
        return parser.parse(1, line.getBytes(StandardCharsets.UTF_8));
    }

    /** What a JSON tree reading of the line says the record holds (headers lower-cased). */
    private static Map<String, String> oracle(String line) {
        JsonNode n = JSON.readTree(line);
        Map<String, String> out = new HashMap<>();
        for (String f : List.of("method", "path", "remote_addr")) {
            out.put(f, n.get(f).asString());
        }
        out.put("ts", Rfc3339.parse(n.get("ts").asString()).toString());
        n.get("headers").properties().forEach(e -> out.put("h:" + e.getKey().toLowerCase(java.util.Locale.ROOT),
                e.getValue().asString()));
        JsonNode body = n.get("body");
        out.put("body", body.toString());
        return out;
    }

    private static Map<String, String> read(TraceLineParser.Parsed p) {
        TraceRecord r = p.record();
        Map<String, String> out = new HashMap<>();
        out.put("ts", r.ts().toString());
        out.put("method", r.method());
        out.put("path", r.path());
        out.put("remote_addr", r.remoteAddr());
        r.headers().forEach((k, v) -> out.put("h:" + k, v));
        out.put("body", JSON.readTree(new String(r.line(), r.bodyStart(), r.bodyEnd() - r.bodyStart(),
                StandardCharsets.UTF_8)).toString());
        return out;
    }

    @Test
    void readsWhatAJsonTreeReadsFromLinesWithEscapesUnicodeAndIgnoredFields() {
        List<String> lines = List.of(
                "{\"ts\":\"2026-03-02T14:07:55.120Z\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.1.1\","
                        + "\"headers\":{\"x-account-id\":\"acct-1\",\"User-Agent\":\"sdk/1 (caf\\u00e9)\",\"x-org-id\":\"ørg\"},"
                        + "\"body\":" + BODY + "}",
                // body before path, metadata of every JSON type around it, whitespace everywhere
                " { \"label\" : {\"a\":[1,-2.5e3,true,false,null,{\"b\":\"}\\\"{\"}]}, \"body\" : " + BODY
                        + " , \"group\":\"g\\/1\", \"ts\":\"2026-03-02T14:07:56Z\",\"method\":\"POST\","
                        + "\"path\":\"/v1/chat/completions\",\"remote_addr\":\"::1\",\"headers\":{ \"authorization\" :"
                        + " \"Bearer sk-\\u0041\" , \"x-n\": 5 } } \r",
                "{\"ts\":\"2026-03-02T14:07:57.5+01:00\",\"method\":\"POST\",\"path\":\"/v1/responses\","
                        + "\"remote_addr\":\"10.0.0.2\",\"headers\":{},\"body\":{\"model\":\"m\",\"input\":\"hi\"},\"n\":0}");
        for (String line : lines) {
            TraceLineParser.Parsed p = parse(line);
            assertThat(p.skipReason()).as(line).isNull();
            Map<String, String> expected = oracle(line);
            expected.remove("h:x-n"); // not a string: not read as a header
            assertThat(read(p)).as(line).isEqualTo(expected);
        }
    }

    @Test
    void everyLineJacksonRefusesIsSkippedAsNotValidJson() {
        String good = "{\"ts\":\"2026-03-02T14:07:55Z\",\"method\":\"POST\",\"path\":\"/v1/messages\","
                + "\"remote_addr\":\"10.0.0.1\",\"headers\":{\"a\":\"b\"},\"label\":[1,{\"x\":null}],\"body\":" + BODY + "}";
        assertThat(parse(good).skipReason()).isNull();
        SplittableRandom random = new SplittableRandom(11);
        String alphabet = "{}[]:,\"\\ u0aetrfnl1-.E+x";
        int refused = 0;
        for (int round = 0; round < 20_000; round++) {
            StringBuilder s = new StringBuilder(good);
            for (int edits = 1 + random.nextInt(2); edits > 0; edits--) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String line = s.toString();
            boolean valid;
            try {
                JSON.readTree(line);
                valid = !line.isBlank();
            } catch (JacksonException e) {
                valid = false;
            }
            TraceLineParser.Parsed p = parse(line);
            if (!valid) {
                refused++;
                assertThat(p.skipReason()).as(line).isNotNull();
            } else if (p.skipReason() != null && p.skipReason().startsWith("not valid JSON")) {
                assertThat(p.skipReason()).as(line).containsAnyOf("Duplicate Object property", "not a JSON object", "trailing content");
            }
        }
        assertThat(refused).as("the mutations exercise the refusals").isGreaterThan(5_000);
    }

    @Test
    void aRepeatedFieldAHeaderNamedTwiceTrailingContentAndBadUtf8SkipTheLine() {
        String head = "{\"ts\":\"2026-03-02T14:07:55Z\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.0.1\",";
        assertThat(parse(head + "\"headers\":{},\"body\":" + BODY + ",\"path\":\"/v1/responses\"}").skipReason())
                .isEqualTo("not valid JSON: Duplicate Object property \"path\"");
        assertThat(parse(head + "\"headers\":{\"X-Api-Key\":\"sk-a\",\"x-api-key\":\"sk-b\"},\"body\":" + BODY + "}")
                .skipReason()).isEqualTo("header 'x-api-key' given twice");
        assertThat(parse(head + "\"headers\":{},\"body\":" + BODY + "} x").skipReason())
                .startsWith("not valid JSON: trailing content");
        byte[] badUtf8 = (head + "\"headers\":{\"user-agent\":\"a?b\"},\"body\":" + BODY + "}").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < badUtf8.length; i++) {
            if (badUtf8[i] == '?') {
                badUtf8[i] = (byte) 0xC3; // a lead byte followed by an ASCII one
            }
        }
        assertThat(parser.parse(1, badUtf8).skipReason()).startsWith("not valid JSON: invalid UTF-8");
        assertThat(parse(head + "\"headers\":[],\"body\":" + BODY + "}").skipReason())
                .isEqualTo("missing or mistyped field 'headers'");
        assertThat(parse(head + "\"headers\":{},\"body\":\"" + "x" + "\"}").skipReason())
                .isEqualTo("missing or mistyped field 'body'");
    }

    @Test
    void deepNestingInIgnoredFieldsIsRefusedNotOverflowed() {
        String deep = "[".repeat(100_000);
        TraceLineParser.Parsed p = parse("{\"label\":" + deep + "}");
        assertThat(p.skipReason()).startsWith("not valid JSON: nested deeper than");
        List<String> fine = new ArrayList<>();
        fine.add("{\"label\":" + "[".repeat(TraceLineParser.MAX_DEPTH) + "]".repeat(TraceLineParser.MAX_DEPTH) + "}");
        assertThat(parse(fine.get(0)).skipReason()).isEqualTo("missing or mistyped field 'ts'");
    }
}
