package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.spi.EvaluatedFiles;
import io.extractionguard.engine.state.ClockTicker;

/** {@link EvaluatedFiles} in process memory, bounded, each entry kept for {@code retention}. */
public final class InMemoryEvaluatedFiles implements EvaluatedFiles {

    private final Cache<String, EvaluatedFile> files;

    public InMemoryEvaluatedFiles(Clock clock, Duration retention, long maxFiles) {
        this.files = Caffeine.newBuilder()
                .ticker(ClockTicker.of(clock))
                .expireAfterWrite(retention)
                .maximumSize(maxFiles)
                .executor(Runnable::run)
                .build();
    }

    @Override
    public void record(String fileId, EvaluatedFile file) {
        files.put(fileId, file);
    }

    @Override
    public CompletionStage<Optional<EvaluatedFile>> find(String fileId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(files.getIfPresent(fileId)));
    }
}
