package io.extractionguard.gateway.intel;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the poller keeps, per peer, how far it has read (the peer's {@code date_added} of the last
 * object taken) and who polls next. Shared (Redis) in a fleet, so one replica polls a peer per
 * interval and every replica sees the indicators (the registry is shared too) and the watermark.
 */
public interface TaxiiPollState {

    /** Whether this replica takes the poll of {@code peer} now; false when another replica polled within {@code interval}. */
    boolean claim(String peer, Duration interval);

    /** The last {@code date_added} taken from {@code peer}, if any. */
    Optional<String> watermark(String peer);

    /** Records that everything up to {@code dateAdded} was taken from {@code peer}. */
    void advance(String peer, String dateAdded);

    /** A single gateway: it always polls; watermarks in memory. */
    final class InMemory implements TaxiiPollState {
        private final Map<String, String> watermarks = new ConcurrentHashMap<>();
        private final Map<String, Instant> claimed = new ConcurrentHashMap<>();
        private final java.time.Clock clock;

        public InMemory(java.time.Clock clock) {
            this.clock = clock;
        }

        @Override
        public boolean claim(String peer, Duration interval) {
            Instant now = clock.instant();
            Instant last = claimed.get(peer);
            if (last != null && now.isBefore(last.plus(interval.multipliedBy(9).dividedBy(10)))) {
                return false;
            }
            claimed.put(peer, now);
            return true;
        }

        @Override
        public Optional<String> watermark(String peer) {
            return Optional.ofNullable(watermarks.get(peer));
        }

        @Override
        public void advance(String peer, String dateAdded) {
            watermarks.put(peer, dateAdded);
        }
    }
}
