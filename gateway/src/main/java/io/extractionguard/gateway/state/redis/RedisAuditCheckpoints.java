package io.extractionguard.gateway.state.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RMap;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.extractionguard.engine.audit.AuditCheckpoint;
import io.extractionguard.gateway.audit.AuditCheckpoints;

/**
 * Audit checkpoints of every replica in one Redis stream ({@code {prefix}:audit-checkpoints}, field
 * {@code c}: the signed JSON line), trimmed to the newest {@value #RETAINED}, and each replica's newest
 * in a hash ({@code {prefix}:audit-heads}, replica → line; never trimmed, so the head of a replica
 * gone for days still shows a cut tail). Redis assigns the stream's ids, so a replica can add
 * checkpoints but not slip one in before another's; a replica that loses or rewrites its file cannot
 * take back the heads it already published to the stream.
 */
public final class RedisAuditCheckpoints implements AuditCheckpoints {

    private static final Logger log = LoggerFactory.getLogger(RedisAuditCheckpoints.class);
    private static final String FIELD = "c";

    /** About 10 s × 64 replicas × 4 hours. */
    static final int RETAINED = 100_000;

    private final RStream<String, String> stream;
    private final RMap<String, String> heads;
    private final long timeoutMillis;

    public RedisAuditCheckpoints(RedissonClient client, RedisKeys keys, Duration timeout) {
        this.stream = client.getStream(keys.auditCheckpoints(), StringCodec.INSTANCE);
        this.heads = client.getMap(keys.auditHeads(), StringCodec.INSTANCE);
        this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void publish(AuditCheckpoint checkpoint) {
        String line = checkpoint.line();
        stream.addAsync(StreamAddArgs.entry(FIELD, line).trimNonStrict().maxLen(RETAINED).noLimit())
                .thenCompose(id -> heads.fastPutAsync(checkpoint.replica(), line))
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        // the log line written with it remains; the next checkpoint supersedes this one
                        log.warn("audit checkpoint {}:{} not written to Redis: {}", checkpoint.replica(), checkpoint.seq(),
                                e.getMessage());
                    }
                });
    }

    @Override
    public List<AuditCheckpoint> read() throws IOException {
        try {
            long wait = Math.max(timeoutMillis, 1) * 10;
            Map<StreamMessageId, Map<String, String>> entries = stream
                    .rangeAsync(StreamMessageId.MIN, StreamMessageId.MAX).toCompletableFuture().get(wait, TimeUnit.MILLISECONDS);
            Map<String, String> newest = heads.readAllMapAsync().toCompletableFuture().get(wait, TimeUnit.MILLISECONDS);
            Set<String> lines = new LinkedHashSet<>(newest.values());
            entries.values().forEach(fields -> lines.add(fields.getOrDefault(FIELD, "")));
            List<AuditCheckpoint> out = new ArrayList<>(lines.size());
            for (String line : lines) {
                AuditCheckpoint.find(line).ifPresent(out::add);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading audit checkpoints", e);
        } catch (Exception e) {
            throw new IOException("cannot read audit checkpoints from Redis: " + e.getMessage(), e);
        }
    }
}
