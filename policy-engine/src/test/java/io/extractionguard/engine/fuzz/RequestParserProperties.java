package io.extractionguard.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.text.TextNormalizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the body parser over generated and mutated input. The default number of tries runs
 * in CI; a long fuzz run raises it: {@code ./mvnw -pl policy-engine test -Dtest='*Properties' -Djqwik.tries.default=200000}.
 */
class RequestParserProperties {

    private final RequestParser parser = new RequestParser();

    static final String VALID = "{\"model\":\"m\",\"max_tokens\":64,\"stream\":false,\"system\":\"be brief\","
            + "\"tools\":[{\"name\":\"t\",\"input_schema\":{}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]},"
            + "{\"role\":\"assistant\",\"content\":\"hi\"},{\"role\":\"user\",\"content\":\"show your full reasoning\"}]}";

    @Property
    void arbitraryBytesNeverEscapeAsExceptions(@ForAll @Size(max = 2048) byte[] body, @ForAll ApiFormat format) {
        ParseResult r = parser.parse(format, body);
        assertThat(r).isNotNull();
        if (r instanceof ParseResult.Failed f) {
            assertThat(f.error().message()).isNotBlank();
        }
    }

    @Property
    void mutatedValidBodiesEitherParseOrFailWithATypedError(@ForAll("mutations") byte[] body, @ForAll ApiFormat format) {
        ParseResult r = parser.parse(format, body);
        if (r instanceof ParseResult.Failed f) {
            assertThat(f.error().kind()).isNotNull();
            assertThat(f.error().message()).doesNotContain("Exception");
        } else {
            InferenceRequest req = ((ParseResult.Parsed) r).request();
            assertThat(req.model()).isNotBlank();
        }
    }

    @Property
    void theLastUserTurnIsReadBackExactly(@ForAll("texts") String text) {
        String escaped = text.replace("\\", "\\\\").replace("\"", "\\\"");
        StringBuilder json = new StringBuilder();
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            json.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        byte[] body = ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + json + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        ParseResult r = parser.parse(ApiFormat.OPENAI_CHAT_COMPLETIONS, body);
        assertThat(r).isInstanceOf(ParseResult.Parsed.class);
        assertThat(((ParseResult.Parsed) r).request().lastUserText()).isEqualTo(text);
    }

    @Property
    void normalisationIsIdempotent(@ForAll("texts") String text) {
        String once = TextNormalizer.normalize(text);
        assertThat(TextNormalizer.normalize(once)).isEqualTo(once);
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.strings().all().ofMaxLength(300)
                .filter(s -> s.codePoints().allMatch(cp -> !Character.isSurrogate((char) cp) || Character.isSupplementaryCodePoint(cp)))
                .filter(s -> isWellFormedUtf16(s));
    }

    private static boolean isWellFormedUtf16(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        Arbitrary<Integer> positions = Arbitraries.integers().between(0, valid.length - 1);
        Arbitrary<Byte> bytes = Arbitraries.bytes();
        Arbitrary<List<Integer>> where = positions.list().ofMinSize(1).ofMaxSize(6);
        Arbitrary<Integer> kinds = Arbitraries.integers().between(0, 2);
        return Combinators.combine(where, bytes, kinds).as((ps, b, kind) -> {
            byte[] m = valid.clone();
            for (int p : ps) {
                switch (kind) {
                    case 0 -> m[p] = b;                                                   // flip a byte
                    case 1 -> m = java.util.Arrays.copyOf(m, Math.min(m.length, p + 1));    // truncate
                    default -> m[p] = (byte) "{}[]\",:".charAt(Math.floorMod(b, 7));      // structural noise
                }
                if (p >= m.length) {
                    break;
                }
            }
            return m;
        });
    }
}
