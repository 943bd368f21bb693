package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.spi.EvaluatedFiles;
import io.extractionguard.engine.memory.InMemoryEvaluatedFiles;

/**
 * Evaluated OpenAI batch files shared by the fleet: uploaded through one replica, a batch may be
 * created through another. A local copy answers first; Redis is asked (asynchronously, never on
 * the event loop's time) only for files this replica did not see. A write that fails is logged:
 * the batch create it would have allowed is refused (fail closed), and the client can upload again.
 */
public final class RedisEvaluatedFiles implements EvaluatedFiles {

    private static final Logger log = LoggerFactory.getLogger(RedisEvaluatedFiles.class);

    private final RedissonClient client;
    private final RedisKeys keys;
    private final Duration retention;
    private final InMemoryEvaluatedFiles local;

    public RedisEvaluatedFiles(RedissonClient client, RedisKeys keys, Duration retention, InMemoryEvaluatedFiles local) {
        this.client = client;
        this.keys = keys;
        this.retention = retention;
        this.local = local;
    }

    @Override
    public void record(String fileId, EvaluatedFile file) {
        local.record(fileId, file);
        client.getBucket(key(fileId), StringCodec.INSTANCE).setAsync(file.encode(), retention)
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        log.warn("evaluated batch file not shared with other replicas (a batch from it is accepted here "
                                + "only): {}", e.toString());
                    }
                });
    }

    @Override
    public CompletionStage<Optional<EvaluatedFile>> find(String fileId) {
        return local.find(fileId).thenCompose(known -> known.isPresent()
                ? java.util.concurrent.CompletableFuture.completedFuture(known)
                : client.<String>getBucket(key(fileId), StringCodec.INSTANCE).getAsync()
                        .thenApply(EvaluatedFile::decode)
                        .exceptionally(e -> Optional.empty()));
    }

    String key(String fileId) {
        return keys.global("batch-file:" + fileId);
    }
}
