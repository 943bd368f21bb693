package io.extractionguard.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.boundary.Classification;
import io.extractionguard.engine.boundary.RequestBoundary;
import io.extractionguard.engine.decision.Arrival;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.IdentityResolver;
import io.extractionguard.engine.decision.Intake;
import io.extractionguard.engine.decision.Outcome;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.spi.ChallengeGate;
import io.extractionguard.engine.support.Fixtures;
import io.extractionguard.engine.support.MutableClock;

/**
 * A trace line whose request the gateway refuses is reported refused by the replay, for the cause the gateway
 * answers with, and decides nothing: the oracle is the gateway's own path (the route's {@link RequestBoundary}, then
 * {@link GuardEngine#admit} on the body's bytes), fed the same method, path, headers and body bytes as the line.
 */
class ReplayRejectionTest {

    private static final Policy POLICY = Fixtures.policy("/policies/engine-test.yaml");
    private static final String TS = "2026-03-02T14:00:00Z";

    private static String body(String extraFields, String text) {
        return "{\"model\":\"m\",\"max_tokens\":100," + extraFields + "\"messages\":[{\"role\":\"user\",\"content\":\""
                + text + "\"}]}";
    }

    /** One case: the request line and headers, and the body's exact bytes as the client sent them. */
    private record Case(String method, String path, Map<String, String> headers, byte[] body) {
        Case(String method, String path, Map<String, String> headers, String body) {
            this(method, path, headers, body.getBytes(StandardCharsets.UTF_8));
        }

        byte[] line() {
            StringBuilder h = new StringBuilder();
            headers.forEach((k, v) -> h.append(h.isEmpty() ? "" : ",").append('"').append(k).append("\":\"").append(v).append('"'));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("{\"ts\":\"" + TS + "\",\"method\":\"" + method + "\",\"path\":\"" + path
                    + "\",\"remote_addr\":\"10.0.0.1\",\"headers\":{" + h + "},\"body\":").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(body);
            out.writeBytes("}\n".getBytes(StandardCharsets.UTF_8));
            return out.toByteArray();
        }

        /** What the gateway answers: the boundary's or the body's refusal (cause and message), or null when it decides. */
        Replay.Rejection gateway() {
            HashMap<String, String> h = new HashMap<>(headers);
            Classification c = RequestBoundary.defaults().classify(method, path, h::get);
            if (c instanceof Classification.Refused refused) {
                return new Replay.Rejection(refused.cause().name(), refused.message(), null);
            }
            GuardEngine engine = GuardEngine.builder(() -> POLICY, MutableClock.at(TS))
                    .intake(new Intake(new RequestParser(), IdentityResolver.trustingEveryone(Replay.DEFAULT_CREDENTIAL_KEY)))
                    .build();
            ApiFormat format = ((Classification.Inference) c).format();
            Outcome outcome = engine.admit(new Arrival(format, h::get, "10.0.0.1", body, Arrival.DEFAULT_MAX_BYTES),
                    ChallengeGate.NONE);
            return outcome instanceof Outcome.Reject reject && reject.invalid() != null
                    ? new Replay.Rejection(reject.cause().name(), reject.invalid().message(), null) : null;
        }
    }

    private static byte[] withByte(String body, char marker, int value) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == marker) {
                b[i] = (byte) value;
            }
        }
        return b;
    }

    private static byte[] withBytes(String body, char marker, int... values) {
        String s = body.replace(String.valueOf(marker), "\u0001".repeat(values.length));
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0, k = 0; i < b.length; i++) {
            if (b[i] == 1) {
                b[i] = (byte) values[k++ % values.length];
            }
        }
        return b;
    }

    private static Map<String, String> account(String id) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-account-id", id);
        return h;
    }

    private static Map<String, String> with(Map<String, String> h, String name, String value) {
        Map<String, String> out = new LinkedHashMap<>(h);
        out.put(name, value);
        return out;
    }

    /** Bodies and request lines the gateway refuses, named, and one it decides (the control). */
    private static Map<String, Case> cases() {
        Map<String, Case> c = new LinkedHashMap<>();
        String ok = body("", "hello there");
        c.put("control: decided", new Case("POST", "/v1/messages", account("acct-ok"), ok));
        // invalid UTF-8 where the parser steps over it (an unread field) or decodes it leniently (a surrogate)
        c.put("invalid UTF-8 in an unread field", new Case("POST", "/v1/messages", account("acct-utf8"),
                withByte(body("\"metadata\":{\"user_id\":\"u~1\"},", "hello"), '~', 0xFF)));
        c.put("UTF-8 of a surrogate in the prompt", new Case("POST", "/v1/messages", account("acct-surrogate"),
                withBytes(body("", "hi ~ there"), '~', 0xED, 0xA0, 0x80)));
        c.put("overlong UTF-8 of a quote", new Case("POST", "/v1/messages", account("acct-overlong"),
                withBytes(body("", "say ~ now"), '~', 0xC0, 0xA2)));
        c.put("a key twice", new Case("POST", "/v1/messages", account("acct-dup"),
                "{\"model\":\"m\",\"max_tokens\":100,\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        c.put("over the default cap", new Case("POST", "/v1/messages", account("acct-big"),
                body("", "x".repeat(Arrival.DEFAULT_MAX_BYTES))));
        c.put("not of the API's shape", new Case("POST", "/v1/messages", account("acct-shape"),
                "{\"model\":\"m\",\"messages\":[]}"));
        c.put("nested past the parser's limit", new Case("POST", "/v1/messages", account("acct-deep"),
                body("\"metadata\":" + "[".repeat(100) + "]".repeat(100) + ",", "hi")));
        c.put("wrong method", new Case("GET", "/v1/messages", account("acct-get"), ok));
        c.put("method override header", new Case("POST", "/v1/messages",
                with(account("acct-override"), "x-http-method-override", "GET"), ok));
        c.put("unknown path", new Case("POST", "/v1/messagez", account("acct-path"), ok));
        c.put("two content encodings", new Case("POST", "/v1/chat/completions",
                with(account("acct-enc"), "content-encoding", "gzip, br"), ok));
        c.put("control: canonicalised path decided", new Case("POST", "/v1//chat/completions", account("acct-slash"),
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        return c;
    }

    @Test
    void everyLineTheGatewayRefusesIsReportedRefusedForItsCauseAndNothingElseIsDecided() throws Exception {
        Map<String, Case> cases = cases();
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        cases.values().forEach(c -> trace.writeBytes(c.line()));
        Map<Long, Replay.Rejection> rejected = new HashMap<>();
        Map<Long, Decision> decided = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        ReplaySummary summary = new Replay(() -> POLICY, Replay.DEFAULT_CREDENTIAL_KEY, 2, Clock.systemUTC())
                .run(new ByteArrayInputStream(trace.toByteArray()), (line, reason) -> skipped.add(line + ": " + reason),
                        new Replay.Listener() {
                            @Override
                            public void decided(TraceRecord record, Decision decision) {
                                decided.put(record.lineNumber(), decision);
                            }

                            @Override
                            public void rejected(TraceRecord record, Replay.Rejection rejection) {
                                rejected.put(record.lineNumber(), rejection);
                            }
                        });

        long line = 0;
        int refusals = 0;
        for (Map.Entry<String, Case> e : cases.entrySet()) {
            line++;
            Replay.Rejection gateway = e.getValue().gateway();
            if (gateway == null) {
                assertThat(decided).as(e.getKey()).containsKey(line);
                assertThat(rejected).as(e.getKey()).doesNotContainKey(line);
            } else {
                refusals++;
                assertThat(decided).as(e.getKey()).doesNotContainKey(line);
                Replay.Rejection replay = rejected.get(line);
                assertThat(replay).as(e.getKey() + ": the gateway refuses it: " + gateway).isNotNull();
                assertThat(replay.cause()).as(e.getKey()).isEqualTo(gateway.cause());
                assertThat(replay.message()).as(e.getKey()).isEqualTo(gateway.message());
                assertThat(replay.accountId()).as(e.getKey()).isEqualTo(e.getValue().headers().get("x-account-id"));
            }
        }
        assertThat(skipped).isEmpty();
        assertThat(refusals).as("every refusal case is one the gateway refuses").isEqualTo(cases.size() - 2);
        assertThat(rejected.values()).extracting(Replay.Rejection::cause).contains("INVALID_REQUEST", "TOO_LARGE",
                "METHOD_NOT_ALLOWED", "AMBIGUOUS_HEADER", "UNKNOWN_PATH", "UNSUPPORTED_ENCODING");
        assertThat(summary.processed()).isEqualTo(2);
        assertThat(summary.rejected("INVALID_REQUEST")).isEqualTo(rejected.values().stream()
                .filter(r -> r.cause().equals("INVALID_REQUEST")).count());
    }

    @Test
    void whereTheBodyStandsInTheLineChangesNothing() throws Exception {
        byte[] bad = withByte(body("\"metadata\":{\"user_id\":\"u~1\"},", "hello"), '~', 0xFF);
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        trace.writeBytes("{\"body\":".getBytes(StandardCharsets.UTF_8));
        trace.writeBytes(bad);
        trace.writeBytes((",\"ts\":\"" + TS + "\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.0.1\","
                + "\"headers\":{\"x-account-id\":\"acct-first\"}}\n").getBytes(StandardCharsets.UTF_8));
        trace.writeBytes(new Case("POST", "/v1/messages", account("acct-last"), bad).line());
        List<Replay.Rejection> rejected = new ArrayList<>();
        new Replay(() -> POLICY, Replay.DEFAULT_CREDENTIAL_KEY, 1, Clock.systemUTC()).run(
                new ByteArrayInputStream(trace.toByteArray()), (line, reason) -> { }, new Replay.Listener() {
                    @Override
                    public void decided(TraceRecord record, Decision decision) {
                        throw new AssertionError("decided a refused line " + record.lineNumber());
                    }

                    @Override
                    public void rejected(TraceRecord record, Replay.Rejection rejection) {
                        rejected.add(rejection);
                    }
                });
        assertThat(rejected).extracting(Replay.Rejection::cause, Replay.Rejection::message).containsOnly(
                org.assertj.core.groups.Tuple.tuple("INVALID_REQUEST", "request body is not valid UTF-8 (byte 54)"));
        assertThat(rejected).hasSize(2);
    }

    /** What a replay made of each line: decided (account, action, score), rejected (cause, message) or skipped (reason). */
    private static Map<Long, String> outcomes(byte[] trace, boolean takeLastBodyAsIs) throws Exception {
        Map<Long, String> out = new java.util.TreeMap<>();
        Replay replay = new Replay(() -> POLICY, Replay.DEFAULT_CREDENTIAL_KEY, 2, Clock.systemUTC());
        replay.takeLastBodyAsIs = takeLastBodyAsIs;
        replay.run(new ByteArrayInputStream(trace), (line, reason) -> out.put(line, "skipped " + reason),
                new Replay.Listener() {
                    @Override
                    public void decided(TraceRecord record, Decision d) {
                        out.put(record.lineNumber(), "decided " + d.accountId() + " " + d.action() + " " + d.score());
                    }

                    @Override
                    public void rejected(TraceRecord record, Replay.Rejection r) {
                        out.put(record.lineNumber(), "rejected " + r.cause() + " " + r.message() + " " + r.accountId());
                    }
                });
        return out;
    }

    @Test
    void aBodyThatClosesItsLineTakenAsIsGivesWhatReadingEveryLineInFullGives() throws Exception {
        List<String> bases = List.of(
                body("", "hello there"),
                "{\"model\":\"m\",\"max_tokens\":100,\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"m\",\"messages\":[]}",
                body("\"metadata\":{\"user_id\":\"u\\\"}\\\\\"},", "say \\\"}}\\\" now"));
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String alphabet = "{}[]:,\"\\ u0aetrfnl1-.E+x";
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        for (int i = 0; i < 3_000; i++) {
            String b = bases.get(random.nextInt(bases.size()));
            String tail = random.nextInt(4) == 0 ? ",\"label\":{\"g\":" + random.nextInt(3) + "}}" : "}";
            StringBuilder s = new StringBuilder("{\"ts\":\"" + TS + "\",\"method\":\"POST\",\"path\":\"/v1/messages\","
                    + "\"remote_addr\":\"10.0.0.1\",\"headers\":{\"x-account-id\":\"acct-" + random.nextInt(20) + "\"},"
                    + "\"body\":" + b + tail);
            for (int edits = random.nextInt(3); edits > 0; edits--) { // most edits land in the body, or just after it
                int at = s.length() - 1 - random.nextInt(Math.min(s.length(), b.length() + 12));
                switch (random.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            trace.writeBytes((s.toString().replace("\n", " ") + (random.nextInt(5) == 0 ? " \r\n" : "\n"))
                    .getBytes(StandardCharsets.UTF_8));
        }
        Map<Long, String> fast = outcomes(trace.toByteArray(), true);
        Map<Long, String> full = outcomes(trace.toByteArray(), false);
        assertThat(fast).isEqualTo(full);
        assertThat(full.values()).as("every kind of outcome is exercised")
                .anyMatch(o -> o.startsWith("decided")).anyMatch(o -> o.startsWith("rejected INVALID_REQUEST"))
                .anyMatch(o -> o.startsWith("skipped not valid JSON"));
    }
}
