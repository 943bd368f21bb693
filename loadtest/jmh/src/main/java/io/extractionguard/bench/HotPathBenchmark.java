package io.extractionguard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.decision.PreparedRequest;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.score.RiskScore;
import io.extractionguard.engine.score.SignalContext;
import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.state.Observation;
import io.extractionguard.engine.state.ProfileStats;

/**
 * The per-request pieces of the guard, with the shipped default policy: body → InferenceRequest,
 * feature extraction (divide by the prompt size in KiB for µs/KiB), scoring, the ordered decision
 * step (profile update, scoring, bands, limits) over a rotating population of accounts, and all of
 * it together ({@link #parseExtractDecide}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
public class HotPathBenchmark {

    /** Prompt size in KiB. */
    @Param({"1", "2", "16"})
    public int promptKib;

    private final RequestParser parser = new RequestParser();
    private final io.extractionguard.engine.boundary.RequestBoundary boundary =
            io.extractionguard.engine.boundary.RequestBoundary.defaults();
    private static final io.extractionguard.engine.spi.HeaderSource HEADERS = name -> switch (name) {
        case "content-type" -> "application/json";
        case "x-api-key" -> "sk-bench";
        case "anthropic-version" -> "2023-06-01";
        default -> null;
    };
    private Policy policy;
    private byte[] anthropic;
    private byte[] openAi;
    private InferenceRequest request;
    private GuardEngine engine;
    private PreparedRequest[] prepared;
    private ClientIdentity[] identities;
    private byte[][] bodies;
    private SignalContext scoreContext;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        policy = defaultPolicy();
        String prompt = Corpus.text(promptKib * 1024, 42);
        anthropic = Corpus.anthropicBody(prompt);
        openAi = Corpus.openAiBody(prompt);
        request = ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, anthropic)).request();
        Clock clock = Clock.systemUTC();
        engine = new GuardEngine(() -> policy, new InMemoryStateStore(clock), new LocalRateLimiter(clock), clock);
        prepared = new PreparedRequest[4096];
        identities = new ClientIdentity[prepared.length];
        bodies = new byte[prepared.length][];
        for (int i = 0; i < prepared.length; i++) {
            ClientIdentity id = new ClientIdentity("acct-" + (i % 1024), ClientIdentity.Source.TRUSTED_HEADER, null, null,
                    "enterprise", null, null, null, "bench", "203.0.113." + (i % 250), 0);
            identities[i] = id;
            bodies[i] = Corpus.anthropicBody(Corpus.text(promptKib * 1024, i));
            InferenceRequest r = ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, bodies[i])).request();
            prepared[i] = engine.prepare(new GuardRequest(id, r));
        }
        AccountProfile profile = new AccountProfile();
        ProfileStats stats = null;
        for (int i = 0; i < 64; i++) {
            stats = profile.apply(new Observation(i * 7_000L, prepared[i].features(),
                    policy.features().templateSimilarity()), policy.features().evidencePrior());
        }
        scoreContext = new SignalContext(prepared[0].request().identity(), prepared[0].features(), stats,
                policy.tierLimits("free"), java.time.Instant.ofEpochMilli(64 * 7_000L));
    }

    static Policy defaultPolicy() throws Exception {
        try (InputStream in = HotPathBenchmark.class.getResourceAsStream("/policies/default.yaml")) {
            if (in == null) {
                throw new IOException("bundled default policy missing");
            }
            return new PolicyLoader().load("default.yaml", in.readAllBytes());
        }
    }

    /** The request boundary: canonical path, endpoint catalog, header checks (a plain and an odd spelling). */
    @Benchmark
    public Object classifyBoundary() {
        next = (next + 1) & (prepared.length - 1);
        return boundary.classify("POST", (next & 1) == 0 ? "/v1/messages" : "/v1//messages/", HEADERS);
    }

    @Benchmark
    public ParseResult parseAnthropicBody() {
        return parser.parse(ApiFormat.ANTHROPIC_MESSAGES, anthropic);
    }

    @Benchmark
    public ParseResult parseOpenAiBody() {
        return parser.parse(ApiFormat.OPENAI_CHAT_COMPLETIONS, openAi);
    }

    @Benchmark
    public RequestFeatures extractFeatures() {
        return policy.extractor().extract(request);
    }

    /** Scoring alone: every signal of the default policy against a profile with history. */
    @Benchmark
    public RiskScore score() {
        return policy.scorer().score(scoreContext);
    }

    /** Ordered step only (features already extracted): state update, score, bands, limits. */
    @Benchmark
    public Decision decide() {
        PreparedRequest p = prepared[next];
        next = (next + 1) & (prepared.length - 1);
        return engine.evaluate(p);
    }

    /**
     * Everything the engine does for one request, as the gateway filter calls it: body → InferenceRequest,
     * feature extraction, then the ordered decision step, over the rotating accounts and prompts.
     */
    @Benchmark
    public Decision parseExtractDecide() {
        int i = next;
        next = (next + 1) & (prepared.length - 1);
        InferenceRequest r = ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, bodies[i])).request();
        return engine.evaluate(new GuardRequest(identities[i], r));
    }
}
