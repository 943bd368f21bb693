package io.extractionguard.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The parser that keeps a turn's text as the String the JSON parser made (and only counts earlier
 * turns) reads every body exactly as the implementation before it did (a frozen copy in this package):
 * the same request, field for field, or the same error. Bodies: generated conversations of every
 * dialect and shape (content as a string, parts, nested tool results; role before or after content;
 * empty strings; Unicode tricks and escapes, lone surrogates among them), byte-level mutations of them,
 * and the gateway's bypass corpus.
 */
class RequestParserParityTest {

    private static final int ROUNDS = Integer.getInteger("parity.rounds", 3_000);

    private static final String[] PIECES = {
        "show your full reasoning", "hello", "", " ", "Ｓｈｏｗ", "r\u0435\u0430s\u043Ening", "rea\\u200bsoning",
        "\\ud800", "\\udc00x", "\\ud83d\\ude00", "\u4E2D\u6587", "\u202Eevil", "line\\nbreak", "tab\\t", "\\\"quoted\\\"",
        "caf\u00E9", "e\u0301", "\uD835\uDC2C\uD835\uDC21", "x".repeat(300),
    };
    private static final String MUTATIONS = "{}[]\",:\\ nu0";
    private static final String[] ROLES = {"user", "assistant", "system", "developer", "tool", "function", "USER", ""};

    private final RequestParser parser = new RequestParser();
    private final LegacyRequestParser legacy = new LegacyRequestParser();

    @Test
    void generatedBodiesOfEveryDialectParseAsBefore() {
        SplittableRandom random = new SplittableRandom(20);
        int parsed = 0;
        for (int n = 0; n < ROUNDS; n++) {
            byte[] body = body(random).getBytes(StandardCharsets.UTF_8);
            for (ApiFormat format : ApiFormat.values()) {
                if (assertSame(format, body) instanceof ParseResult.Parsed) {
                    parsed++;
                }
            }
        }
        assertThat(parsed).as("most generated bodies are valid for some dialect").isGreaterThan(ROUNDS / 2);
    }

    @Test
    void mutatedBodiesParseOrFailAsBefore() {
        SplittableRandom random = new SplittableRandom(21);
        for (int n = 0; n < ROUNDS; n++) {
            byte[] body = body(random).getBytes(StandardCharsets.UTF_8);
            for (int k = random.nextInt(1, 4); k > 0 && body.length > 1; k--) {
                int at = random.nextInt(body.length);
                switch (random.nextInt(3)) {
                    case 0 -> body[at] = (byte) random.nextInt(256);
                    case 1 -> body = java.util.Arrays.copyOf(body, at);
                    default -> body[at] = (byte) MUTATIONS.charAt(random.nextInt(MUTATIONS.length()));
                }
            }
            for (ApiFormat format : ApiFormat.values()) {
                assertSame(format, body);
            }
        }
    }

    @Test
    void bodiesInsideAnEnclosingDocumentParseAsBefore() {
        SplittableRandom random = new SplittableRandom(22);
        for (int n = 0; n < ROUNDS / 10; n++) {
            byte[] line = ("{\"body\":" + body(random) + ",\"after\":1}").getBytes(StandardCharsets.UTF_8);
            for (ApiFormat format : ApiFormat.values()) {
                assertThat(inPlace(parser, null, format, line)).isEqualTo(inPlace(null, legacy, format, line));
            }
        }
    }

    @Test
    void bypassCorpusBodiesParseAsBefore() throws Exception {
        Path corpus = Path.of("..", "gateway", "src", "test", "resources", "boundary", "bypass-corpus.jsonl");
        ObjectMapper json = new ObjectMapper();
        int bodies = 0;
        for (String line : Files.readAllLines(corpus, StandardCharsets.UTF_8)) {
            JsonNode entry = json.readTree(line);
            if (entry.has("body") && entry.get("body").isString()) {
                byte[] body = entry.get("body").asString().getBytes(StandardCharsets.UTF_8);
                for (ApiFormat format : ApiFormat.values()) {
                    assertSame(format, body);
                }
                bodies++;
            }
        }
        assertThat(bodies).isGreaterThan(50);
    }

    @Test
    void longAndFollowUpConversationsKeepTheirRootHash() {
        // the root hash converts the first user turn in per-thread buffers: first turns shorter and longer than
        // them, beyond what they keep, ASCII or not, after a growth and after a turn too long to keep
        for (String unit : List.of("abc ", "caf\u00E9 ", "\u4E2D\u6587 ", "\uD83D\uDE00 ")) {
            for (int repeat : new int[]{1, 300, 2_000, 40_000, 300, 20_000}) {
                String first = unit.repeat(repeat);
                byte[] body = ("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"" + first
                        + "\"},{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":[{\"type\":"
                        + "\"text\",\"text\":\"" + first + "\"},{\"type\":\"text\",\"text\":\"more\"}]}]}")
                        .getBytes(StandardCharsets.UTF_8);
                for (ApiFormat format : ApiFormat.values()) {
                    assertSame(format, body);
                }
            }
        }
    }

    private ParseResult assertSame(ApiFormat format, byte[] body) {
        ParseResult now = withoutClaims(parser.parse(format, body));
        ParseResult before = legacy.parse(format, body);
        assertThat(now).as(() -> format + " " + new String(body, StandardCharsets.UTF_8)).isEqualTo(before);
        return now;
    }

    /** What parsing a body in place (as the replay does) gives: the result and the token after it. */
    /** The legacy parser reads no claimed history (claimed-history verification came after it). */
    private static ParseResult withoutClaims(ParseResult r) {
        if (r instanceof ParseResult.Parsed parsed) {
            InferenceRequest q = parsed.request();
            return new ParseResult.Parsed(new InferenceRequest(q.format(), q.model(), q.systemText(), q.lastUserText(),
                    q.historyChars(), q.turns(), q.toolNames(), q.maxOutputTokens(), q.stream(), q.temperature(),
                    q.choices(), q.rootHash()));
        }
        return r;
    }

    private static List<Object> inPlace(RequestParser now, LegacyRequestParser before, ApiFormat format, byte[] line) {
        List<Object> out = new ArrayList<>();
        RequestParser factory = new RequestParser();
        try (JsonParser p = factory.jsonFactory().createParser(ObjectReadContext.empty(), line)) {
            p.nextToken();
            p.nextName();
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return List.of("not an object");
            }
            out.add(now != null ? withoutClaims(now.parse(format, p)) : before.parse(format, p));
            out.add(String.valueOf(p.nextToken()));
            out.add(String.valueOf(p.currentName()));
        } catch (RuntimeException e) {
            out.add(e.getClass().getSimpleName());
        }
        return out;
    }

    private static String body(SplittableRandom random) {
        List<String> fields = new ArrayList<>();
        fields.add("\"model\":\"m\"");
        if (random.nextInt(5) > 0) {
            fields.add("\"max_tokens\":" + random.nextInt(1, 5000));
        }
        switch (random.nextInt(6)) {
            case 0 -> fields.add("\"system\":" + content(random));
            case 1 -> fields.add("\"instructions\":" + content(random));
            case 2 -> fields.add("\"prompt\":" + (random.nextBoolean() ? string(random)
                    : "[" + string(random) + "," + string(random) + "]"));
            case 3 -> fields.add("\"suffix\":" + string(random));
            default -> {
            }
        }
        String messages = messages(random);
        fields.add(random.nextInt(3) == 0 ? "\"input\":" + (random.nextBoolean() ? string(random) : messages)
                : "\"messages\":" + messages);
        if (random.nextInt(4) == 0) {
            fields.add("\"tools\":[{\"name\":\"bash\"},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]");
        }
        if (random.nextInt(4) == 0) {
            fields.add("\"n\":" + random.nextInt(1, 4));
        }
        java.util.Collections.shuffle(fields, new java.util.Random(random.nextLong()));
        return "{" + String.join(",", fields) + "}";
    }

    private static String messages(SplittableRandom random) {
        List<String> items = new ArrayList<>();
        for (int i = random.nextInt(0, 6); i >= 0; i--) {
            List<String> members = new ArrayList<>();
            if (random.nextInt(10) > 0) {
                members.add("\"role\":\"" + ROLES[random.nextInt(ROLES.length)] + "\"");
            }
            if (random.nextInt(10) > 0) {
                members.add((random.nextInt(8) == 0 ? "\"output\":" : "\"content\":") + content(random));
            }
            if (random.nextInt(4) == 0) {
                members.add("\"type\":\"message\"");
            }
            if (random.nextBoolean()) {
                java.util.Collections.reverse(members);
            }
            items.add("{" + String.join(",", members) + "}");
        }
        return "[" + String.join(",", items) + "]";
    }

    private static String content(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0, 1 -> string(random);
            case 2 -> "[{\"type\":\"text\",\"text\":" + string(random) + "},{\"type\":\"text\",\"text\":" + string(random) + "}]";
            case 3 -> "[{\"type\":\"tool_result\",\"content\":[{\"type\":\"text\",\"text\":" + string(random) + "}]},"
                    + string(random) + "]";
            default -> random.nextBoolean() ? "null" : "[]";
        };
    }

    private static String string(SplittableRandom random) {
        StringBuilder b = new StringBuilder("\"");
        for (int k = random.nextInt(0, 4); k > 0; k--) {
            b.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return b.append('"').toString();
    }
}
