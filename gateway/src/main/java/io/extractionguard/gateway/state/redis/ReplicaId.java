package io.extractionguard.gateway.state.redis;

import java.util.concurrent.ThreadLocalRandom;

/**
 * This process's identity among the replicas sharing a Redis: names its profile change records
 * and the origin of its verdict messages. Random per start, so a restarted replica never reuses a
 * predecessor's record names.
 */
public record ReplicaId(String value) {

    public static ReplicaId random() {
        return new ReplicaId(Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36 * 36 * 36), 36));
    }
}
