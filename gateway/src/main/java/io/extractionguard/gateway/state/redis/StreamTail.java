package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RStream;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamReadArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a shared Redis stream on a daemon thread of its own: first reads what the stream retains
 * (non-blocking reads until a short read), then blocks on {@code XREAD}. While entries keep arriving it
 * reads at most once per {@code interval}, so one read collects every replica's latest batch (reads grow
 * with the replicas, not with replicas × batches). While Redis is unreachable it waits and resumes after
 * the last entry it read. The profile and campaign-evidence streams both follow their stream this way.
 */
final class StreamTail {

    /** Receives each entry read, in stream order, on the tail's thread. */
    @FunctionalInterface
    interface Handler {
        void entry(StreamMessageId id, Map<byte[], byte[]> fields);
    }

    private static final Logger log = LoggerFactory.getLogger(StreamTail.class);
    static final int READ_COUNT = 64;
    static final Duration BLOCK = Duration.ofSeconds(2);

    private final String what;
    private final RStream<byte[], byte[]> stream;
    private final RedisAvailability availability;
    private final long intervalMillis;
    private final Handler handler;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile StreamMessageId last;
    private volatile boolean readAny;

    /**
     * @param what     names the stream in log lines and the thread
     * @param from     read entries after this id
     * @param interval the least time between reads while entries keep arriving
     */
    StreamTail(String what, RStream<byte[], byte[]> stream, RedisAvailability availability, StreamMessageId from,
               Duration interval, Handler handler) {
        this.what = what;
        this.stream = stream;
        this.availability = availability;
        this.last = from;
        this.intervalMillis = interval.toMillis();
        this.handler = handler;
        this.thread = new Thread(this::loop, "guard-" + what + "-tail");
        this.thread.setDaemon(true);
    }

    /**
     * Starts following and waits until the retained stream is read: at most {@code timeout}, and not at
     * all while Redis is unreachable (the read continues when it returns). Never call on an event loop.
     *
     * @return whether the retained stream was read in time
     */
    boolean start(Duration timeout) {
        thread.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (availability.available() && !caughtUp.await(20, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    log.warn("{}: the retained stream was not read within {}; serving while it continues", what, timeout);
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return caughtUp.getCount() == 0;
    }

    /** The last entry read (or the starting id while none was). */
    StreamMessageId last() {
        return last;
    }

    /** Whether any entry was read, so that {@link #last()} names an entry that existed. */
    boolean readAny() {
        return readAny;
    }

    /** Stops reading after the current read, without waiting. */
    void halt() {
        running = false;
    }

    /** Stops reading and waits for the thread (a blocked read returns within its block time). */
    void stop(long extraWaitMillis) {
        running = false;
        thread.interrupt();
        try {
            thread.join(BLOCK.toMillis() + extraWaitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        boolean blocking = false;
        while (running) {
            if (!availability.available()) {
                sleep(100);
                continue;
            }
            Map<StreamMessageId, Map<byte[], byte[]>> entries;
            long started = System.nanoTime();
            try {
                StreamReadArgs read = StreamReadArgs.greaterThan(last).count(READ_COUNT);
                entries = blocking ? stream.read(read.timeout(BLOCK)) : stream.read(read);
                availability.success();
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                availability.failure(e);
                sleep(200);
                continue;
            }
            if (entries != null) {
                entries.forEach((id, fields) -> {
                    last = id;
                    readAny = true;
                    handler.entry(id, fields);
                });
            }
            if (!blocking && (entries == null || entries.size() < READ_COUNT)) {
                blocking = true;
                caughtUp.countDown();
                log.info("{}: read the retained stream up to {}", what, last);
            } else if (blocking && entries != null && !entries.isEmpty() && entries.size() < READ_COUNT) {
                sleep(Math.max(0, intervalMillis - (System.nanoTime() - started) / 1_000_000));
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
