package io.extractionguard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.request.AnswerDigest;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The meter reads some SSE events by their leading type alone ({@link LeadingType}) and scans lines in bulk
 * ({@link SseEvents}): what it makes of a response — each answer's digest and when it is handed on, the usage, the
 * generated characters, the bytes forwarded in strip mode — is what parsing every event's data made of it, in every
 * format (the demo backend's real Anthropic, Chat and Responses streams and bodies, reasoning asked for; Chat with up
 * to 9 interleaved choices; answers of several parts; events written unusually), however the bytes are cut and
 * whether they come in heap or direct buffers.
 */
class UnparsedEventsTest {

    private final JsonFactory factory = JsonFactory.builder().build();

    /** What a meter made of a response. */
    private record Reading(List<Long> digestsBeforeTheEnd, List<Long> digests, Usage complete, Usage broken,
                           byte[] forwarded) {
    }

    /**
     * The reading before events were told apart: every event's data through the JSON parser (ResponseMeter as of
     * 37e54db), the events split naively (on LF, CR dropped; no buffers).
     */
    private Reading everyEventParsed(byte[] bytes, boolean sse, boolean strip, long promptChars) {
        List<Long> digests = new ArrayList<>();
        AnswerTexts answers = new AnswerTexts(digests::add);
        UsageJson usage = new UsageJson(answers, !sse);
        ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        if (!sse) {
            readAll(bytes, 0, bytes.length, usage);
        } else {
            String stream = new String(bytes, StandardCharsets.UTF_8);
            StringBuilder raw = new StringBuilder();
            StringBuilder data = null;
            int from = 0;
            int lf;
            while ((lf = stream.indexOf('\n', from)) >= 0) {
                String line = stream.substring(from, lf);
                raw.append(line).append('\n');
                from = lf + 1;
                String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                if (l.startsWith("data:")) {
                    String d = l.substring(l.startsWith("data: ") ? 6 : 5);
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                } else if (l.isEmpty()) { // the end of an event
                    boolean keep = true;
                    if (data != null) {
                        byte[] d = data.toString().getBytes(StandardCharsets.UTF_8);
                        if (!readAll(d, 0, d.length, usage)) {
                            if (data.toString().equals("[DONE]")) {
                                answers.end();
                            }
                        } else {
                            keep = !usage.lastValueWasUsageOnlyChunk();
                        }
                    }
                    if (keep) {
                        forwarded.writeBytes(raw.toString().getBytes(StandardCharsets.UTF_8));
                    }
                    raw.setLength(0);
                    data = null;
                }
            }
            raw.append(stream, from, stream.length());
            forwarded.writeBytes(raw.toString().getBytes(StandardCharsets.UTF_8));
        }
        List<Long> before = List.copyOf(digests);
        answers.end();
        return new Reading(before, digests, usage(usage, true, promptChars), usage(usage, false, promptChars),
                strip ? forwarded.toByteArray() : null);
    }

    /** Every token of one document into {@code usage}; false when it is not JSON. */
    private boolean readAll(byte[] data, int offset, int length, UsageJson usage) {
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), data, offset, length)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                usage.token(p, t);
            }
            return true;
        } catch (JacksonException e) {
            return false;
        }
    }

    /** ResponseMeter's usage rule, over a reference reading. */
    private static Usage usage(UsageJson u, boolean complete, long promptChars) {
        long input = u.input();
        long output = u.output();
        boolean reported = complete && input >= 0 && output >= 0;
        if (!reported) {
            output = Math.max(output, (u.textChars() + ResponseMeter.CHARS_PER_TOKEN - 1) / ResponseMeter.CHARS_PER_TOKEN);
            if (input < 0) {
                input = (promptChars + ResponseMeter.CHARS_PER_TOKEN - 1) / ResponseMeter.CHARS_PER_TOKEN;
            }
        }
        return new Usage(input, output, reported);
    }

    /** The meter's reading, the bytes fed in pieces of {@code cut} (all at once: 0), in direct buffers or not. */
    private Reading metered(byte[] bytes, boolean sse, boolean strip, long promptChars, int cut, boolean direct) {
        List<Long> digests = new ArrayList<>();
        ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        Usage complete = null;
        Usage broken = null;
        List<Long> before = null;
        for (boolean completely : new boolean[]{true, false}) {
            digests.clear();
            forwarded.reset();
            ResponseMeter m = sse ? ResponseMeter.sse(factory, strip, promptChars, digests::add)
                    : ResponseMeter.json(factory, promptChars, digests::add);
            int step = cut == 0 ? Math.max(1, bytes.length) : cut;
            for (int at = 0; at < bytes.length; at += step) {
                int n = Math.min(step, bytes.length - at);
                ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(n).put(bytes, at, n).flip()
                        : ByteBuffer.wrap(bytes, at, n);
                m.feed(buffer);
                if (m.strips()) {
                    forwarded.writeBytes(m.forwardable());
                }
            }
            if (m.strips()) {
                forwarded.writeBytes(m.remainder());
            }
            before = List.copyOf(digests);
            if (completely) {
                complete = m.usage(true);
            } else {
                broken = m.usage(false);
            }
        }
        return new Reading(before, List.copyOf(digests), complete, broken, strip ? forwarded.toByteArray() : null);
    }

    private void assertSameReading(String what, byte[] bytes, boolean sse, boolean strip) {
        Reading expected = everyEventParsed(bytes, sse, strip, 123);
        for (boolean direct : new boolean[]{false, true}) {
            for (int cut : new int[]{0, 1, 7, 64, 1000}) {
                Reading actual = metered(bytes, sse, strip, 123, cut, direct);
                String as = what + " cut " + cut + (direct ? " direct" : " heap");
                assertThat(actual.digests()).as(as).isEqualTo(expected.digests());
                assertThat(actual.digestsBeforeTheEnd()).as(as + ": digests handed on at the answer's end event")
                        .isEqualTo(expected.digestsBeforeTheEnd());
                assertThat(actual.complete()).as(as).isEqualTo(expected.complete());
                assertThat(actual.broken()).as(as + ", broken off").isEqualTo(expected.broken());
                if (strip) {
                    assertThat(new String(actual.forwarded(), StandardCharsets.UTF_8)).as(as)
                            .isEqualTo(new String(expected.forwarded(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private void assertSameReading(String path, String body) throws Exception {
        byte[] bytes = ResponseMeterTest.fetch(path, body);
        boolean sse = body.contains("\"stream\":true");
        assertSameReading(path + " " + body, bytes, sse, false);
    }

    @Test
    void theDemoBackendsAnswersReadAsWhenEveryEventWasParsed() throws Exception {
        for (String b : List.of(AnswerTextsTest.ANTHROPIC, ResponseMeterTest.ANTHROPIC)) {
            assertSameReading("/v1/messages", b + "}");
            assertSameReading("/v1/messages", b + ",\"stream\":true}");
        }
        for (String b : List.of(AnswerTextsTest.CHAT, ResponseMeterTest.CHAT)) {
            assertSameReading("/v1/chat/completions", b + "}");
            assertSameReading("/v1/chat/completions", b + ",\"stream\":true}");
            String includeUsage = b + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
            assertSameReading("/v1/chat/completions strip", ResponseMeterTest.fetch("/v1/chat/completions", includeUsage),
                    true, true);
        }
        for (String b : List.of(AnswerTextsTest.RESPONSES, ResponseMeterTest.RESPONSES)) {
            assertSameReading("/v1/responses", b + "}");
            assertSameReading("/v1/responses", b + ",\"stream\":true}");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void answersOfSeveralPartsAndChoicesReadAsWhenEveryEventWasParsed() {
        String anthropic = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9,"
                + "\"output_tokens\":1}}}\n\n"
                + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"first\"}}\n\n"
                + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "data: {\"type\": \"ping\"}\r\n\r\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"part\"}}\n\n"
                + "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}\n\n"
                + "data: {\"type\":\"message_stop\"}\n\n";
        assertSameReading("anthropic, two text blocks", bytes(anthropic), true, false);
        assertThat(metered(bytes(anthropic), true, false, 0, 0, false).digests())
                .containsExactly(AnswerDigest.of("first part"));

        String responses = "data: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"message\","
                + "\"content\":[]}}\n\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"one\"}\n\n"
                + "data: {\"type\":\"response.output_text.done\",\"text\":\"one\"}\n\n"
                + "data: {\"type\":\"response.content_part.done\",\"part\":{\"type\":\"output_text\",\"text\":\"one\"}}\n\n"
                + "data: {\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{\\\"a\\\":1}\"}\n\n"
                + "data: {\"type\":\"response.function_call_arguments.done\",\"arguments\":\"{\\\"a\\\":1}\"}\n\n"
                + "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"message\",\"content\":[{\"type\":"
                + "\"output_text\",\"text\":\"one\"}]}}\n\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"two\"}\n\n"
                + "data: {\"type\":\"response.completed\",\"response\":{\"output\":[],\"usage\":{\"input_tokens\":3,"
                + "\"output_tokens\":2}}}\n\n";
        assertSameReading("responses, two items", bytes(responses), true, false);
        assertThat(metered(bytes(responses), true, false, 0, 0, false).digests())
                .containsExactly(AnswerDigest.of("one two"));

        StringBuilder chat = new StringBuilder();
        for (int word = 0; word < 3; word++) {
            for (int choice = 8; choice >= 0; choice--) { // nine choices: the ninth is not digested
                chat.append("data: {\"id\":\"c\",\"choices\":[{\"index\":").append(choice)
                        .append(",\"delta\":{\"content\":\"w").append(word).append("c").append(choice).append(" \"}}]}\n\n");
            }
        }
        chat.append("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":27}}\n\n");
        chat.append("data: [DONE]\n\n");
        assertSameReading("chat, nine choices", bytes(chat.toString()), true, false);
        assertSameReading("chat, nine choices, usage chunk stripped", bytes(chat.toString()), true, true);
        assertThat(metered(bytes(chat.toString()), true, false, 0, 0, false).digests()).hasSize(8);
    }

    /**
     * Events of the types read by their leading member, written otherwise — the type later, a space before the colon,
     * an escape in the name, other members first, a second value — are parsed: read exactly as before.
     */
    @Test
    void eventsWrittenOtherwiseAreParsed() {
        String odd = "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                + "\"text\":\"{\\\"type\\\":\\\"ping\\\"} said\"}}\n\n"
                + "data: {\"index\":0,\"type\":\"content_block_stop\"}\n\n"
                + "data: {\"type\" : \"ping\"}\n\n"
                + "data: {\"type\":\"p\\u0069ng\",\"delta\":{\"text\":\"escaped\"}}\n\n"
                + "data: {\"type\":\"pingx\",\"delta\":{\"text\":\"longer\"}}\n\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"more\"}}\n\n"
                + "data: {\"type\":\"message_stop\"\n"
                + "data: }\n\n"
                + "data: {\"type\":\"message_stop\"\n\n";
        assertSameReading("odd events", bytes(odd), true, false);
        assertThat(metered(bytes(odd), true, false, 0, 0, false).digestsBeforeTheEnd())
                .containsExactly(AnswerDigest.of("{\"type\":\"ping\"} said escapedlongermore"));
    }

    @Test
    void onlyTheListedTypesAtTheStartAreReadWithoutParsing() {
        assertThat(LeadingType.of(bytes("{\"type\":\"ping\"}"), 15)).isEqualTo(LeadingType.NOTHING);
        assertThat(LeadingType.of(bytes("{\"type\": \"ping\"}"), 16)).isEqualTo(LeadingType.NOTHING);
        assertThat(LeadingType.of(bytes("{\"type\":\"content_block_stop\",\"index\":0}"), 39)).isEqualTo(LeadingType.PART);
        assertThat(LeadingType.of(bytes("{\"type\":\"message_stop\"}"), 23)).isEqualTo(LeadingType.END);
        for (String other : List.of("{\"type\":\"ping\"", "{\"type\":\"ping\" }", "{\"type\":\"pin\"}", "{ \"type\":\"ping\"}",
                "{\"type\":\"content_block_delta\",\"delta\":{}}", "{\"type\":\"message_stop\\\"}")) {
            assertThat(LeadingType.of(bytes(other), other.length())).as(other).isEqualTo(LeadingType.PARSE);
        }
    }
}
