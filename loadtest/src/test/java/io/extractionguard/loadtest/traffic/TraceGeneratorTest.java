package io.extractionguard.loadtest.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.replay.Replay;

/** Generated traces are reproducible, labelled and valid under the trace-replay contract. */
class TraceGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedDoesNot() throws Exception {
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        Path c = dir.resolve("c.jsonl");
        TraceGenerator.generate(a, 5, "default", 3000);
        TraceGenerator.generate(b, 5, "default", 3000);
        TraceGenerator.generate(c, 6, "default", 3000);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1);
        assertThat(Files.mismatch(a, c)).isNotEqualTo(-1);
    }

    /** A family added to a mix later ({@link Mix#extras()}) leaves every other line of the trace byte for byte as it was. */
    @Test
    void aFamilyAddedLaterChangesNoOtherLine() throws Exception {
        Mix with = Mix.named("adaptive");
        assertThat(with.extras()).isNotEmpty();
        Mix without = new Mix(with.name(), with.days(), with.bank(), with.shares());
        Path a = dir.resolve("with.jsonl");
        Path b = dir.resolve("without.jsonl");
        TraceGenerator.generate(a, 3, with, 6000);
        TraceGenerator.generate(b, 3, without, 6000);
        Set<String> added = new HashSet<>();
        with.extras().keySet().forEach(p -> added.add("\"label\":\"" + p.label() + "\""));
        List<String> others = Files.readAllLines(a).stream().filter(l -> added.stream().noneMatch(l::contains)).toList();
        assertThat(Files.readAllLines(a)).hasSizeGreaterThan(others.size());
        assertThat(others).isEqualTo(Files.readAllLines(b));
    }

    @Test
    void everyLineIsAValidRequestInTimeOrderAndEveryPopulationIsPresent() throws Exception {
        Path trace = dir.resolve("t.jsonl");
        TraceGenerator.Result result = TraceGenerator.generate(trace, 9, "holdout", 8000);
        assertThat(result.requestsByLabel().keySet()).containsExactlyInAnyOrder("organic/general", "organic/coder",
                "hard/ide", "hard/eval-harness", "hard/company", "hard/campus", "hard/new-accounts", "campaign/hydra",
                "campaign/low-slow", "campaign/grader", "campaign/harvester");
        List<String> problems = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        long[] last = {Long.MIN_VALUE};
        boolean[] ordered = {true};
        try (InputStream in = Files.newInputStream(trace)) {
            var summary = new Replay(new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml")),
                    Replay.DEFAULT_CREDENTIAL_KEY, java.time.Clock.systemUTC()).run(in, (line, reason) -> problems.add(line + ": " + reason),
                    (record, decision) -> {
                        paths.add(record.path());
                        ordered[0] &= record.ts().toEpochMilli() >= last[0];
                        last[0] = record.ts().toEpochMilli();
                    });
            assertThat(summary.processed()).isEqualTo(result.lines());
        }
        assertThat(problems).isEmpty();
        assertThat(ordered[0]).isTrue();
        assertThat(paths).containsExactlyInAnyOrder("/v1/messages", "/v1/chat/completions", "/v1/responses");
    }
}
