package io.extractionguard.gateway.state.redis;

import java.util.concurrent.TimeUnit;

import org.redisson.api.RTopic;
import org.redisson.api.listener.MessageListener;
import org.redisson.api.listener.StatusListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Pub/sub chores shared by the replicated parts of the Redis state. */
final class RedisTopics {

    private static final Logger log = LoggerFactory.getLogger(RedisTopics.class);

    private RedisTopics() {
    }

    /**
     * Listens on {@code topic} and runs {@code resync} once the subscription is confirmed and again after
     * every re-subscription (Redisson re-subscribes by itself after reconnects). Whatever was announced
     * while this replica was not listening was written to Redis before it was announced, so the re-read
     * sees it; {@code onSubscribe} alone would not do, since it may be registered only after the channel
     * was already subscribed.
     */
    static <M> void listen(RTopic topic, Class<M> type, MessageListener<? extends M> onMessage, Runnable resync,
                           RedisAvailability availability) {
        topic.addListenerAsync(type, onMessage).whenComplete((id, error) -> {
            if (error == null) {
                resync.run();
            } else {
                availability.failure(error);
            }
        });
        topic.addListenerAsync(new StatusListener() {
            @Override
            public void onSubscribe(String channel) {
                resync.run();
            }

            @Override
            public void onUnsubscribe(String channel) {
            }
        });
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
