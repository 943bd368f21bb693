package io.extractionguard.gateway.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.extractionguard.gateway.support.Await;
import io.extractionguard.gateway.support.TestBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bypass corpus ({@code boundary/bypass-corpus.jsonl}): spellings, encodings, methods,
 * endpoints, body ambiguities and identity-header games, each sent byte for byte (a raw socket, so
 * no client normalises anything) through the real gateway to the demo backend, which resolves
 * paths and methods like a permissive upstream. Every case is either evaluated (a {@code RateLimit}
 * header and a decision line), refused, or a known non-inference call passed; none reaches the
 * model unevaluated. The peer is untrusted (loopback is not a trusted proxy here), as an attacker's is.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.identity.trusted-proxies=10.255.255.0/24")
@ExtendWith(OutputCaptureExtension.class)
class BypassCorpusTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DECISION = "\"event\":\"decision\"";

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @LocalServerPort
    int port;

    /** One corpus line. */
    record Case(String id, String method, String path, Map<String, List<String>> headers, byte[] body, String expect,
                int status, List<String> stripped, Map<String, String> forwarded, boolean apiError) {
        Case(String id, String method, String path, Map<String, List<String>> headers, byte[] body, String expect,
             int status, List<String> stripped, boolean apiError) {
            this(id, method, path, headers, body, expect, status, stripped, Map.of(), apiError);
        }

        @Override
        public String toString() {
            return id + " (" + method + " " + path + ")";
        }
    }

    /** What came back. */
    record Response(int status, Map<String, String> headers, String body) {
    }

    static Stream<Case> corpus() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = BypassCorpusTest.class.getResourceAsStream("/boundary/bypass-corpus.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    cases.add(parse(JSON.readTree(line)));
                }
            }
        }
        assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void noCaseReachesTheModelUnevaluated(Case c, CapturedOutput output) throws Exception {
        long servedBefore = TestBackend.get().requestCount();
        long decisionsBefore = decisionLines(output);
        Response r;
        try {
            r = send(c, "sk-corpus-" + UUID.randomUUID());
        } catch (java.net.SocketException reset) {
            // the HTTP server answered a request no route takes before reading its body, then closed
            assertThat(c.apiError()).as("%s: connection reset (%s)", c, reset.getMessage()).isFalse();
            r = new Response(0, Map.of(), "");
        }
        long served = TestBackend.get().requestCount() - servedBefore;
        boolean limited = r.headers().containsKey("ratelimit");
        assertThat(served == 0 || limited).as("%s reached the model without a decision: %s", c, r).isTrue();
        switch (c.expect()) {
            case "evaluated" -> {
                assertThat(limited).as("%s: RateLimit header, %s", c, r).isTrue();
                assertThat(r.status()).as("%s: %s", c, r).isIn(200, 429, 403);
                Await.until(() -> decisionLines(output), n -> n > decisionsBefore, c + ": a decision line");
            }
            case "refused" -> {
                assertThat(served).as("%s: not forwarded", c).isZero();
                if (r.status() != 0) {
                    assertThat(r.status()).as("%s: %s", c, r).isBetween(400, 499);
                }
                if (c.apiError()) {
                    assertThat(r.body()).as("%s: in the API's error format", c).contains("\"error\"");
                }
            }
            case "passed" -> assertThat(served).as("%s: not an inference call", c).isZero();
            default -> throw new IllegalArgumentException("expect: " + c.expect());
        }
        if (c.status() > 0 && r.status() != 0) {
            assertThat(r.status()).as("%s: %s", c, r).isEqualTo(c.status());
        }
        if (!c.stripped().isEmpty()) {
            var received = TestBackend.get().lastRequest().orElseThrow();
            assertThat(received.headers()).as("%s: forwarded headers", c).doesNotContainKeys(c.stripped().toArray(String[]::new));
        }
        if (!c.forwarded().isEmpty()) {
            var received = TestBackend.get().lastRequest().orElseThrow();
            assertThat(received.headers()).as("%s: forwarded headers", c).containsAllEntriesOf(c.forwarded());
        }
    }

    /**
     * The harvesting burst: templated chain-of-thought asks on {@code /v1//messages} are
     * challenged or throttled no later than the same burst on {@code /v1/messages}.
     */
    @Test
    void harvestingBurstOnAnOddSpellingIsStoppedNoLaterThanOnThePlainPath() throws Exception {
        // the two bursts interleaved request by request, first one then the other in turn, so both see the same
        // pace and lend each other the same cross-account campaign evidence (sent one after the other, the second
        // burst was stopped a request earlier than the first, whichever path it used)
        // ... and from a loopback network of their own (127.a.b.0/24): on 127.0.0.0/24, which every other request of
        // this class shares, their campaign/network evidence hung on the other tests' suspects and on the rarity the
        // periodic correlation last published for that network (every 30 s, a phase no test controls); here it
        // comes from each other alone, the same for both
        String odd = "sk-burst-odd-" + UUID.randomUUID();
        String plain = "sk-burst-plain-" + UUID.randomUUID();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        InetAddress from = InetAddress.getByAddress(new byte[]{127, (byte) random.nextInt(1, 255), (byte) random.nextInt(1, 255), 1});
        int oddAdmitted = -1;
        int plainAdmitted = -1;
        for (int i = 0; i < 25 && (oddAdmitted < 0 || plainAdmitted < 0); i++) {
            byte[] body = harvest(i).getBytes(StandardCharsets.UTF_8);
            for (boolean oddTurn : i % 2 == 0 ? new boolean[]{true, false} : new boolean[]{false, true}) {
                if ((oddTurn ? oddAdmitted : plainAdmitted) >= 0) {
                    continue;
                }
                Case c = new Case("burst", "POST", oddTurn ? "/v1//messages" : "/v1/messages", Map.of(), body, "evaluated",
                        0, List.of(), true);
                if (send(c, oddTurn ? odd : plain, from).status() != 200) {
                    if (oddTurn) {
                        oddAdmitted = i;
                    } else {
                        plainAdmitted = i;
                    }
                }
            }
        }
        System.out.printf("[measure] harvesting burst admitted: /v1/messages %d, /v1//messages %d%n", plainAdmitted, oddAdmitted);
        assertThat(plainAdmitted).as("requests admitted on /v1/messages").isBetween(1, 11);
        assertThat(oddAdmitted).as("requests admitted on /v1//messages").isBetween(1, plainAdmitted + 1);
    }

    /**
     * The same burst through Anthropic Message Batches, five items a batch: no more of its items
     * reach the model than of the burst sent one request at a time.
     */
    @Test
    void harvestingBurstThroughMessageBatchesIsStoppedNoLaterThanOneAtATime() throws Exception {
        String key = "sk-batch-burst-" + UUID.randomUUID();
        int admitted = 0;
        for (int batch = 0; batch < 5; batch++) {
            StringBuilder body = new StringBuilder("{\"requests\":[");
            for (int j = 0; j < 5; j++) {
                body.append(j == 0 ? "" : ",").append("{\"custom_id\":\"t").append(j).append("\",\"params\":")
                        .append(harvest(batch * 5 + j)).append('}');
            }
            Case c = new Case("batch-burst", "POST", "/v1/messages/batches", Map.of(),
                    body.append("]}").toString().getBytes(StandardCharsets.UTF_8), "evaluated", 0, List.of(), true);
            if (send(c, key).status() != 200) {
                break;
            }
            admitted += 5;
        }
        assertThat(admitted).isLessThanOrEqualTo(firstRejection("/v1/messages"));
    }

    /**
     * OpenAI's batch flow: a batch is created only from a file this gateway evaluated for the same
     * account; then the backend runs its lines.
     */
    @Test
    void anOpenAiBatchStartsOnlyFromAFileEvaluatedForTheSameAccount() throws Exception {
        String owner = "sk-batch-owner-" + UUID.randomUUID();
        String line = "{\"custom_id\":\"r\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-test\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n";
        String upload = "--b1\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b1\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" + line + line + line
                + "\r\n--b1--\r\n";
        Response uploaded = send(new Case("upload", "POST", "/v1/files",
                Map.of("content-type", List.of("multipart/form-data; boundary=b1")),
                upload.getBytes(StandardCharsets.UTF_8), "evaluated", 0, List.of(), true), owner);
        assertThat(uploaded.status()).as("%s", uploaded).isEqualTo(200);
        String remaining = uploaded.headers().get("ratelimit").replaceAll(".*;r=(\\d+);.*", "$1");
        assertThat(Integer.parseInt(remaining)).as("three requests (or more, risk-tightened) charged of 10").isLessThanOrEqualTo(7);
        String fileId = JSON.readTree(uploaded.body()).path("id").asString();

        byte[] create = ("{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\"}").getBytes(StandardCharsets.UTF_8);
        long before = TestBackend.get().requestCount();
        Response stranger = send(new Case("create", "POST", "/v1/batches", Map.of(), create, "refused", 0, List.of(), true),
                "sk-batch-stranger-" + UUID.randomUUID());
        assertThat(stranger.status()).as("%s", stranger).isEqualTo(404);
        assertThat(TestBackend.get().requestCount()).isEqualTo(before);

        Response created = send(new Case("create", "POST", "/v1//batches", Map.of(), create, "passed", 0, List.of(), true),
                owner);
        assertThat(created.status()).as("%s", created).isEqualTo(200);
        assertThat(TestBackend.get().requestCount()).isEqualTo(before + 3);
    }

    private static String harvest(int i) {
        String prompt = "You are an expert software engineer. Implement the following python function and show your "
                + "full reasoning step by step, including every intermediate step. Task " + i + ": write a function "
                + "that returns the " + (i * 7 % 13) + "th element of an algorithm sequence.";
        return "{\"model\":\"claude-test\",\"max_tokens\":16000,\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}";
    }

    /** Requests of the burst admitted before the first rejection. */
    private int firstRejection(String path) throws Exception {
        String key = "sk-burst-" + UUID.randomUUID();
        for (int i = 0; i < 25; i++) {
            Case c = new Case("burst", "POST", path, Map.of(), harvest(i).getBytes(StandardCharsets.UTF_8), "evaluated", 0,
                    List.of(), true);
            if (send(c, key).status() != 200) {
                return i;
            }
        }
        return 25;
    }

    private static long decisionLines(CapturedOutput output) {
        return output.getOut().lines().filter(l -> l.contains(DECISION)).count();
    }

    private Response send(Case c, String apiKey) throws IOException {
        return send(c, apiKey, null);
    }

    /** {@code from}: the loopback address to connect from (the request's network is its /24), null for 127.0.0.1. */
    private Response send(Case c, String apiKey, InetAddress from) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("host", List.of("127.0.0.1:" + port));
        headers.put("connection", List.of("close"));
        headers.put("x-api-key", List.of(apiKey));
        if (c.body() != null) {
            headers.put("content-type", List.of("application/json"));
            headers.put("content-length", List.of(Integer.toString(c.body().length)));
        }
        c.headers().forEach((name, values) -> {
            headers.keySet().removeIf(k -> k.equalsIgnoreCase(name));
            headers.put(name, values);
        });
        String target = c.path().replace("{authority}", "127.0.0.1:" + port);
        StringBuilder head = new StringBuilder(c.method()).append(' ').append(target).append(" HTTP/1.1\r\n");
        headers.forEach((name, values) -> values.forEach(v -> head.append(name).append(": ").append(v).append("\r\n")));
        head.append("\r\n");
        try (Socket socket = new Socket()) {
            if (from != null) {
                socket.bind(new InetSocketAddress(from, 0));
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (c.body() != null) {
                out.write(c.body());
            }
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = response.indexOf("\r\n\r\n");
            String[] lines = response.substring(0, end < 0 ? response.length() : end).split("\r\n");
            Map<String, String> responseHeaders = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                responseHeaders.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Response(Integer.parseInt(lines[0].split(" ")[1]), responseHeaders,
                    end < 0 ? "" : response.substring(end + 4));
        }
    }

    private static Case parse(JsonNode n) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        n.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().isArray()
                ? e.getValue().valueStream().map(JsonNode::asString).toList() : List.of(e.getValue().asString())));
        byte[] body = null;
        if (n.has("body")) {
            String text = n.get("body").asString();
            body = switch (n.path("bodyEncoding").asString("utf-8")) {
                case "utf-8" -> text.getBytes(StandardCharsets.UTF_8);
                case "utf-16le" -> text.getBytes(StandardCharsets.UTF_16LE);
                case "latin1" -> text.getBytes(StandardCharsets.ISO_8859_1);
                case "gzip" -> gzip(text.getBytes(StandardCharsets.UTF_8));
                default -> throw new IllegalArgumentException(n.get("id") + ": bodyEncoding");
            };
        }
        List<String> stripped = n.path("stripped").valueStream().map(JsonNode::asString).toList();
        Map<String, String> forwarded = new LinkedHashMap<>();
        n.path("forwarded").properties().forEach(e -> forwarded.put(e.getKey(), e.getValue().asString()));
        return new Case(n.get("id").asString(), n.get("method").asString(), n.get("path").asString(), headers, body,
                n.get("expect").asString(), n.path("status").asInt(0), stripped, forwarded, n.path("apiError").asBoolean(true));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
