package io.extractionguard.gateway.state.redis;

import java.util.concurrent.TimeUnit;

import org.redisson.api.RTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Pub/sub chores shared by the replicated parts of the Redis state. */
final class RedisTopics {

    private static final Logger log = LoggerFactory.getLogger(RedisTopics.class);

    private RedisTopics() {
    }

    /** Removes this replica's listeners from {@code topic} (null: never subscribed), waiting at most a second. */
    static void unsubscribe(RTopic topic, String what) {
        if (topic == null) {
            return;
        }
        try {
            topic.removeAllListenersAsync().get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("could not unsubscribe from {}: {}", what, e.toString());
        }
    }
}
