package io.extractionguard.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.replay.Replay;
import io.extractionguard.engine.replay.ReplaySummary;

/**
 * The replay's steady-state throughput (warm JVM) over an in-memory trace of {@value #LINES}
 * contract lines, about 1 KiB each, from 2,000 accounts: the score is requests per second.
 * A cold {@code java -jar policy-engine-cli.jar replay} run also pays JIT warm-up; that figure
 * is measured separately (docs/performance.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
public class ReplayBenchmark {

    static final int LINES = 20_000;

    private Policy policy;
    private byte[] trace;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        policy = HotPathBenchmark.defaultPolicy();
        SplittableRandom random = new SplittableRandom(7);
        ByteArrayOutputStream out = new ByteArrayOutputStream(LINES * 1200);
        Instant t = Instant.parse("2026-03-02T00:00:00Z");
        for (int i = 0; i < LINES; i++) {
            t = t.plusMillis(50 + random.nextInt(400));
            String prompt = Corpus.text(200 + random.nextInt(1600), i);
            String line = "{\"ts\":\"" + t + "\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.0.1\","
                    + "\"headers\":{\"x-account-id\":\"acct-" + random.nextInt(2000) + "\",\"user-agent\":\"sdk/1.0\"},"
                    + "\"body\":{\"model\":\"m\",\"max_tokens\":2048,\"messages\":[{\"role\":\"user\",\"content\":\""
                    + prompt + "\"}]}}\n";
            out.write(line.getBytes(StandardCharsets.UTF_8));
        }
        trace = out.toByteArray();
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public ReplaySummary replay() throws Exception {
        return new Replay(policy, Replay.DEFAULT_CREDENTIAL_KEY, java.time.Clock.systemUTC()).run(new ByteArrayInputStream(trace),
                (line, reason) -> {
                    throw new IllegalStateException("benchmark trace line " + line + " skipped: " + reason);
                }, (record, decision) -> {
                });
    }
}
