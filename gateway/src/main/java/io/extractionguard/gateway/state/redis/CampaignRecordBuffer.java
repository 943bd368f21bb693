package io.extractionguard.gateway.state.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Campaign records waiting to be shipped to Redis: bounded, so a long Redis outage costs at most
 * {@code capacity} records of memory. A record that does not fit is refused and counted
 * ({@link #overflowed}); it was already applied to the local store, so this replica keeps the
 * evidence and only the other replicas miss it. Never blocks: {@link #offer} is called on the
 * request path.
 */
public final class CampaignRecordBuffer {

    private final ArrayBlockingQueue<byte[]> queue;
    private final AtomicLong overflowed = new AtomicLong();

    public CampaignRecordBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("campaign record buffer capacity must be at least 1, was " + capacity);
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Queues a record; returns false (and counts it) when the buffer is full. */
    public boolean offer(byte[] record) {
        if (queue.offer(record)) {
            return true;
        }
        overflowed.incrementAndGet();
        return false;
    }

    /** Takes up to {@code max} records, oldest first. */
    public List<byte[]> take(int max) {
        List<byte[]> out = new ArrayList<>(Math.min(max, queue.size()));
        queue.drainTo(out, max);
        return out;
    }

    public int size() {
        return queue.size();
    }

    /** Records refused because the buffer was full, since start. */
    public long overflowed() {
        return overflowed.get();
    }
}
