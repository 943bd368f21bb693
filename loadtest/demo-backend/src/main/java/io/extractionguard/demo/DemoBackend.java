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
 * A small model backend that speaks the Anthropic Messages, OpenAI Chat Completions, OpenAI
 * Responses and OpenAI legacy Completions wire formats, JSON and SSE streaming, with realistic {@code usage}. It generates
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
    private final Map<String, Integer> files = new java.util.concurrent.ConcurrentHashMap<>();

    private DemoBackend(DemoBackendSettings settings) {
        this.settings = settings;
        this.server = HttpServer.create()
                .runOn(loops)
                .host(settings.host())
                .port(settings.port())
                .handle(this::route)
                .bindNow(Duration.ofSeconds(10));
    }

    /**
     * Routes like a permissive upstream: the path resolved as {@link PermissivePaths} does, the
     * method taken from {@code x-http-method-override} when sent.
     */
    private Mono<Void> route(HttpServerRequest req, HttpServerResponse res) {
        String override = req.requestHeaders().get("x-http-method-override");
        String method = override != null ? override.trim().toUpperCase(Locale.ROOT) : req.method().name();
        String path = PermissivePaths.resolve(req.uri());
        lastRequest = new ReceivedRequest(req.uri(), headers(req), new byte[0]); // inference handlers add the body
        return switch (method + " " + path) {
            case "POST /v1/messages" -> handle(Dialect.ANTHROPIC, req, res);
            case "POST /v1/chat/completions" -> handle(Dialect.CHAT, req, res);
            case "POST /v1/responses" -> handle(Dialect.RESPONSES, req, res);
            case "POST /v1/completions" -> handle(Dialect.COMPLETIONS, req, res);
            case "POST /v1/messages/batches" -> messageBatch(req, res);
            case "POST /v1/files" -> uploadFile(req, res);
            case "POST /v1/batches" -> openAiBatch(req, res);
            case "GET /v1/models", "HEAD /v1/models" -> json(res, HttpResponseStatus.OK, models());
            case "GET /health" -> res.sendString(Mono.just("ok")).then();
            default -> req.receive().then(json(res, HttpResponseStatus.NOT_FOUND, notFound()));
        };
    }

    private static byte[] gunzipIfSent(HttpServerRequest req, byte[] body) {
        if (!"gzip".equalsIgnoreCase(req.requestHeaders().get("content-encoding", "").trim())) {
            return body;
        }
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            return body; // answered as invalid JSON
        }
    }

    /**
     * How an inference answer is encoded: gzip when the request accepts it (as a real server does),
     * and for tests of what sits in front of a misbehaving upstream, {@code x-demo-content-encoding: E}
     * gzips it whatever was accepted and labels it {@code E} (a label other than gzip stands for an
     * encoding the reader cannot decode). Null: sent as is.
     */
    private static String responseEncoding(HttpServerRequest req) {
        String forced = req.requestHeaders().get("x-demo-content-encoding");
        if (forced != null && !forced.isBlank()) {
            return forced.trim();
        }
        String accepted = req.requestHeaders().get("accept-encoding", "").toLowerCase(Locale.ROOT);
        return accepted.contains("gzip") ? "gzip" : null;
    }

    /** The whole answer gzipped (a stream too: its events in one compressed body), labelled {@code encoding}. */
    private static Mono<Void> encoded(HttpServerResponse res, String contentType, String encoding, byte[] plain) {
        var out = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        return res.status(HttpResponseStatus.OK)
                .header("content-type", contentType)
                .header("content-encoding", encoding)
                .header("content-length", Integer.toString(bytes.length))
                .sendByteArray(Mono.just(bytes))
                .then();
    }

    /**
     * Anthropic Message Batches create: accepted, every item counted as an inference request the
     * backend will serve (results are not produced: the demo has nothing to fetch them with).
     */
    private Mono<Void> messageBatch(HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
            lastRequest = new ReceivedRequest(req.uri(), headers(req), body);
            JsonNode items;
            try {
                items = JSON.readTree(gunzipIfSent(req, body)).path("requests");
            } catch (JacksonException e) {
                return error(Dialect.ANTHROPIC, res, "request body is not valid JSON");
            }
            if (!items.isArray() || items.isEmpty()) {
                return error(Dialect.ANTHROPIC, res, "requests: at least one request required");
            }
            requests.addAndGet(items.size());
            ObjectNode batch = JSON.createObjectNode();
            batch.put("id", "msgbatch_" + Long.toHexString(0x5EED0000L + ids.incrementAndGet()));
            batch.put("type", "message_batch");
            batch.put("processing_status", "in_progress");
            batch.putObject("request_counts").put("processing", items.size()).put("succeeded", 0).put("errored", 0)
                    .put("canceled", 0).put("expired", 0);
            return json(res, HttpResponseStatus.OK, batch);
        });
    }

    /**
     * OpenAI file upload: stored as its count of batch lines (a line per {@code custom_id}; the demo
     * reads multipart as loosely as a permissive server would).
     */
    private Mono<Void> uploadFile(HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
            lastRequest = new ReceivedRequest(req.uri(), headers(req), body);
            String text = new String(body, StandardCharsets.UTF_8);
            int lines = text.split("\"custom_id\"", -1).length - 1;
            String id = "file-" + Long.toHexString(0x5EED0000L + ids.incrementAndGet());
            files.put(id, lines);
            ObjectNode file = JSON.createObjectNode();
            file.put("id", id).put("object", "file").put("bytes", body.length).put("purpose", "batch");
            return json(res, HttpResponseStatus.OK, file);
        });
    }

    /** OpenAI batch create: every line of the input file counted as an inference request the backend will serve. */
    private Mono<Void> openAiBatch(HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
            lastRequest = new ReceivedRequest(req.uri(), headers(req), body);
            String fileId;
            try {
                fileId = JSON.readTree(body).path("input_file_id").asString("");
            } catch (JacksonException e) {
                return error(Dialect.CHAT, res, "request body is not valid JSON");
            }
            Integer lines = files.get(fileId);
            if (lines == null) {
                return json(res, HttpResponseStatus.NOT_FOUND, notFound());
            }
            requests.addAndGet(lines);
            ObjectNode batch = JSON.createObjectNode();
            batch.put("id", "batch_" + Long.toHexString(0x5EED0000L + ids.incrementAndGet())).put("object", "batch")
                    .put("input_file_id", fileId).put("status", "validating");
            return json(res, HttpResponseStatus.OK, batch);
        });
    }

    private static Map<String, String> headers(HttpServerRequest req) {
        Map<String, String> headers = new HashMap<>();
        req.requestHeaders().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        return Map.copyOf(headers);
    }

    private static ObjectNode notFound() {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "error");
        body.putObject("error").put("type", "not_found_error").put("message", "Not found");
        return body;
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

    /**
     * Inference requests served or accepted so far, a batch counting its items (for tests that
     * check what reached the backend).
     */
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

    /**
     * The last request as the backend received it (path, headers, and for inference requests the
     * exact body bytes).
     */
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

    enum Dialect { ANTHROPIC, CHAT, RESPONSES, COMPLETIONS }

    private Mono<Void> handle(Dialect dialect, HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
            lastRequest = new ReceivedRequest(req.uri(), headers(req), body);
            JsonNode request;
            try {
                request = JSON.readTree(gunzipIfSent(req, body));
            } catch (JacksonException e) {
                return error(dialect, res, "request body is not valid JSON");
            }
            if (request == null || !request.isObject()) {
                return error(dialect, res, "request body must be a JSON object");
            }
            requests.incrementAndGet();
            Completion c = completion(dialect, request, body.length);
            // x-demo-stream: json answers a stream request with one JSON body (an upstream that ignores "stream")
            boolean stream = request.path("stream").asBoolean(false)
                    && !"json".equalsIgnoreCase(req.requestHeaders().get("x-demo-stream", ""));
            String encoding = responseEncoding(req);
            if (!stream) {
                return Mono.delay(settings.firstByteDelay()).then(encoding == null
                        ? json(res, HttpResponseStatus.OK, Wire.complete(dialect, c))
                        : encoded(res, "application/json", encoding,
                                JSON.writeValueAsBytes(Wire.complete(dialect, c))));
            }
            List<String> events = Wire.stream(dialect, c, request.path("stream_options").path("include_usage").asBoolean(false));
            if (encoding != null) {
                return Mono.delay(settings.firstByteDelay()).then(encoded(res, "text/event-stream; charset=utf-8", encoding,
                        String.join("", events).getBytes(StandardCharsets.UTF_8)));
            }
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
    /** @param reasoning what the model "thought" when the request asked for thinking / reasoning, else null */
    record Completion(String id, String model, List<String> chunks, String text, long inputTokens,
                      int outputTokens, boolean truncated, long maxTokens, long created, String reasoning) {
    }

    /**
     * Anthropic {@code thinking.type: enabled}, an OpenAI Responses {@code reasoning.effort}, or on Chat
     * Completions what self-hosted reasoning models answer to (vLLM / SGLang: {@code chat_template_kwargs}
     * {@code enable_thinking} or {@code thinking}; a model named {@code *reasoner*} always reasons, as
     * DeepSeek's does): the answer comes with reasoning.
     */
    private static boolean asksReasoning(Dialect dialect, JsonNode request) {
        return switch (dialect) {
            case ANTHROPIC -> request.path("thinking").path("type").asString("").equals("enabled");
            case RESPONSES -> request.path("reasoning").path("effort").isString();
            case CHAT -> request.path("chat_template_kwargs").path("enable_thinking").asBoolean(false)
                    || request.path("chat_template_kwargs").path("thinking").asBoolean(false)
                    || request.path("model").asString("").contains("reasoner");
            default -> false;
        };
    }

    private Completion completion(Dialect dialect, JsonNode request, int bodyBytes) {
        String maxField = switch (dialect) {
            case ANTHROPIC -> "max_tokens";
            case CHAT -> request.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
            case COMPLETIONS -> "max_tokens";
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
                System.currentTimeMillis() / 1000, asksReasoning(dialect, request)
                        ? "step one of the hidden chain of thought, then step two" : null);
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
