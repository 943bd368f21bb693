package io.extractionguard.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small model backend that speaks the Anthropic Messages, OpenAI Chat Completions and OpenAI
 * Responses wire formats, JSON and SSE streaming, with realistic {@code usage}. It generates
 * deterministic filler text: {@code min(max_tokens, outputTokens)} words, one word per token.
 *
 * <p>Used by the gateway's run command (embedded), its integration tests and the load tests, so
 * all three exercise the same backend.
 */
public final class DemoBackend implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] WORDS = ("the model answers with a deterministic sequence of plain words so that "
            + "tests can count tokens exactly and load tests stay cheap while every byte still flows through "
            + "the gateway like a real completion would").split(" ");

    private final DemoBackendSettings settings;
    // loops of its own (as many as Reactor Netty's global ones): an application in the same JVM that disposes
    // the global loops when it closes (Boot's default) would otherwise take this server down with it
    private final LoopResources loops = LoopResources.create("demo-backend");
    private final DisposableServer server;
    private final AtomicLong requests = new AtomicLong();
    private volatile ReceivedRequest lastRequest;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger activeStreams = new AtomicInteger();

    private DemoBackend(DemoBackendSettings settings) {
        this.settings = settings;
        this.server = HttpServer.create()
                .runOn(loops)
                .host(settings.host())
                .port(settings.port())
                .route(routes -> routes
                        .post("/v1/messages", (req, res) -> handle(Dialect.ANTHROPIC, req, res))
                        .post("/v1/chat/completions", (req, res) -> handle(Dialect.CHAT, req, res))
                        .post("/v1/responses", (req, res) -> handle(Dialect.RESPONSES, req, res))
                        .get("/v1/models", (req, res) -> json(res, HttpResponseStatus.OK, models()))
                        .get("/health", (req, res) -> res.sendString(Mono.just("ok"))))
                .bindNow(Duration.ofSeconds(10));
    }

    /** Starts a backend; close it to release the port. */
    public static DemoBackend start(DemoBackendSettings settings) {
        return new DemoBackend(settings);
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://" + settings.host() + ":" + port();
    }

    /** Inference requests served so far (for tests that check what reached the backend). */
    public long requestCount() {
        return requests.get();
    }

    /**
     * Streamed responses being sent right now: a stream stops counting when it ends or when its
     * connection goes away (tests use it to see that a proxy released the backend connection).
     */
    public int activeStreams() {
        return activeStreams.get();
    }

    /** The last inference request as the backend received it (path, headers, exact body bytes). */
    public Optional<ReceivedRequest> lastRequest() {
        return Optional.ofNullable(lastRequest);
    }

    /** A request as received: header names lower-cased, first value of each. */
    public record ReceivedRequest(String path, Map<String, String> headers, byte[] body) {
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
    }

    enum Dialect { ANTHROPIC, CHAT, RESPONSES }

    private Mono<Void> handle(Dialect dialect, HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
            Map<String, String> headers = new HashMap<>();
            req.requestHeaders().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
            lastRequest = new ReceivedRequest(req.uri(), Map.copyOf(headers), body);
            JsonNode request;
            try {
                request = JSON.readTree(body);
            } catch (JacksonException e) {
                return error(dialect, res, "request body is not valid JSON");
            }
            if (request == null || !request.isObject()) {
                return error(dialect, res, "request body must be a JSON object");
            }
            requests.incrementAndGet();
            Completion c = completion(dialect, request, body.length);
            boolean stream = request.path("stream").asBoolean(false);
            if (!stream) {
                return Mono.delay(settings.firstByteDelay())
                        .then(json(res, HttpResponseStatus.OK, Wire.complete(dialect, c)));
            }
            List<String> events = Wire.stream(dialect, c, request.path("stream_options").path("include_usage").asBoolean(false));
            Flux<String> body$ = Flux.fromIterable(events);
            if (!settings.chunkInterval().isZero()) {
                body$ = body$.delayElements(settings.chunkInterval());
            }
            if (!settings.firstByteDelay().isZero()) {
                body$ = Mono.delay(settings.firstByteDelay()).thenMany(body$);
            }
            body$ = body$.doOnSubscribe(s -> activeStreams.incrementAndGet())
                    .doFinally(signal -> activeStreams.decrementAndGet());
            return res.status(HttpResponseStatus.OK)
                    .header("content-type", "text/event-stream; charset=utf-8")
                    .header("cache-control", "no-cache")
                    .sendString(body$, StandardCharsets.UTF_8)
                    .then();
        });
    }

    /** What the model "says" for one request. */
    record Completion(String id, String model, List<String> chunks, String text, long inputTokens,
                      int outputTokens, boolean truncated, long maxTokens, long created) {
    }

    private Completion completion(Dialect dialect, JsonNode request, int bodyBytes) {
        String maxField = switch (dialect) {
            case ANTHROPIC -> "max_tokens";
            case CHAT -> request.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
            case RESPONSES -> "max_output_tokens";
        };
        long max = request.path(maxField).asLong(-1);
        int n = max > 0 ? (int) Math.min(max, settings.outputTokens()) : settings.outputTokens();
        boolean truncated = max > 0 && max < settings.outputTokens();
        long seed = bodyBytes * 31L + requests.get();
        List<String> chunks = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String word = WORDS[(int) Math.floorMod(seed + i * 7L, WORDS.length)];
            String piece = i == 0 ? word : " " + word;
            text.append(piece);
            chunk.append(piece);
            if ((i + 1) % settings.tokensPerChunk() == 0 || i == n - 1) {
                chunks.add(chunk.toString());
                chunk.setLength(0);
            }
        }
        String model = request.path("model").asString("demo-model");
        String id = Long.toHexString(0x5EED0000L + ids.incrementAndGet());
        return new Completion(id, model, chunks, text.toString(), Math.max(1, bodyBytes / 4), n, truncated, max,
                System.currentTimeMillis() / 1000);
    }

    private Mono<Void> error(Dialect dialect, HttpServerResponse res, String message) {
        ObjectNode body = JSON.createObjectNode();
        if (dialect == Dialect.ANTHROPIC) {
            body.put("type", "error");
            body.putObject("error").put("type", "invalid_request_error").put("message", message);
        } else {
            ObjectNode e = body.putObject("error");
            e.put("message", message).put("type", "invalid_request_error").putNull("param").putNull("code");
        }
        return json(res, HttpResponseStatus.BAD_REQUEST, body);
    }

    private static ObjectNode models() {
        ObjectNode list = JSON.createObjectNode();
        list.put("object", "list");
        list.putArray("data").addObject().put("id", "demo-model").put("object", "model").put("owned_by", "demo");
        return list;
    }

    private static Mono<Void> json(HttpServerResponse res, HttpResponseStatus status, JsonNode body) {
        byte[] bytes = JSON.writeValueAsBytes(body);
        return res.status(status)
                .header("content-type", "application/json")
                .header("content-length", Integer.toString(bytes.length))
                .sendByteArray(Mono.just(bytes))
                .then();
    }

    /**
     * Runs a standalone backend, e.g. as the model server of a demo Pod:
     * {@code --host 127.0.0.1 --port 8090 --output-tokens 64 --first-byte-delay-ms 0 --chunk-interval-ms 0}.
     */
    public static void main(String[] args) throws InterruptedException {
        DemoBackendSettings s = DemoBackendSettings.DEFAULT.withPort(8090);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> s = new DemoBackendSettings(args[i + 1], s.port(), s.firstByteDelay(), s.outputTokens(),
                        s.tokensPerChunk(), s.chunkInterval());
                case "--port" -> s = s.withPort(Integer.parseInt(args[i + 1]));
                case "--output-tokens" -> s = s.withOutputTokens(Integer.parseInt(args[i + 1]));
                case "--first-byte-delay-ms" -> s = s.withFirstByteDelay(Duration.ofMillis(Long.parseLong(args[i + 1])));
                case "--chunk-interval-ms" -> s = s.withStreaming(s.tokensPerChunk(), Duration.ofMillis(Long.parseLong(args[i + 1])));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        DemoBackend backend = start(s);
        System.out.println("demo model backend listening on " + backend.baseUrl());
        Thread.currentThread().join();
    }
}
