package io.extractionguard.gateway.state.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The shared batching writer of the Redis store, and its outage buffer. Callers queue a
 * {@link Task} under an id (an account, a verdict, …); at most one entry per id is queued, and a
 * task that changes again before it is written simply writes its latest state. Every
 * {@code flush-interval} (or at once for urgent tasks) up to {@code batch-size} tasks add their
 * commands to one pipelined Redisson batch, sent asynchronously: request threads never wait for it.
 *
 * <p>While Redis is unreachable nothing is sent except by the heartbeat's probe; tasks stay queued
 * (bounded by {@code buffer-accounts}; a task that does not fit is refused and counted in
 * {@code guard.state.buffer.overflow}; its owner keeps the changes, and is asked to queue them again
 * through {@link #onRoom} once the queue has drained to half). When Redis returns the queue is flushed. A failed task is queued again; tasks make their writes
 * idempotent so a retry after an ambiguous failure does not count twice.
 *
 * <p>Other stores (e.g. campaign evidence) reuse this writer with their own task types and ids.
 */
public final class WriteBehind {

    private static final Logger log = LoggerFactory.getLogger(WriteBehind.class);

    /** One queued unit of deferred writes. */
    public interface Task {
        /**
         * Adds this task's commands to {@code batch} and returns their completion (success or failure is
         * handled by the task itself, which re-queues what still needs writing), or null when there is
         * nothing to write now.
         */
        CompletableFuture<?> addTo(RBatch batch);

        /** The batch this task's commands were in could not be sent at all: keep the changes for a retry. */
        void failed(Throwable error);
    }

    private final RedissonClient client;
    private final RedisAvailability availability;
    private final ScheduledExecutorService scheduler;
    private final int batchSize;
    private final int capacity;
    private final long timeoutMillis;
    private final ConcurrentHashMap<String, Task> queued = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private volatile CompletableFuture<Void> current = CompletableFuture.completedFuture(null);
    private final AtomicBoolean urgentScheduled = new AtomicBoolean();
    private final AtomicBoolean overflowed = new AtomicBoolean();
    private final List<Runnable> roomListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Counter overflow;
    private final Timer latency;

    public WriteBehind(RedissonClient client, RedisAvailability availability, ScheduledExecutorService scheduler,
                       RedisStateProperties.Sync sync, Duration timeout, MeterRegistry meters) {
        this.client = client;
        this.availability = availability;
        this.scheduler = scheduler;
        this.batchSize = sync.batchSize();
        this.capacity = sync.bufferAccounts();
        this.timeoutMillis = timeout.toMillis();
        this.overflow = Counter.builder("guard.state.buffer.overflow")
                .description("State changes that did not fit the write buffer (kept locally, retried with the next change)")
                .register(meters);
        this.latency = Timer.builder("guard.state.redis.latency")
                .description("Round trip of one pipelined write batch to Redis")
                .publishPercentileHistogram()
                .register(meters);
        Gauge.builder("guard.state.buffer.pending", size, AtomicInteger::get)
                .description("Accounts and verdicts with changes not yet written to Redis")
                .register(meters);
        long period = sync.flushInterval().toNanos();
        scheduler.scheduleWithFixedDelay(this::flushIfDue, period, period, TimeUnit.NANOSECONDS);
        availability.onRecovery(this::flushSoon);
    }

    /**
     * Queues {@code task} under {@code id} unless an entry for {@code id} is already queued.
     *
     * @return false when the buffer is full (counted); the caller keeps its changes and queues again later
     */
    public boolean enqueue(String id, Task task, boolean urgent) {
        if (queued.containsKey(id)) {
            return true;
        }
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            overflow.increment();
            overflowed.set(true);
            return false;
        }
        if (queued.putIfAbsent(id, task) == null) {
            order.add(id);
        } else {
            size.decrementAndGet();
        }
        if (urgent && availability.available()) {
            flushSoon();
        }
        return true;
    }

    /** Registers work that re-queues refused tasks; runs on the writer's thread once there is room again. */
    public void onRoom(Runnable listener) {
        roomListeners.add(listener);
    }

    /** Entries waiting to be written. */
    public int pending() {
        return size.get();
    }

    /** Schedules an immediate flush (coalesced). */
    public void flushSoon() {
        if (urgentScheduled.compareAndSet(false, true)) {
            scheduler.execute(() -> {
                urgentScheduled.set(false);
                flushIfDue();
            });
        }
    }

    private void flushIfDue() {
        if (!availability.available()) {
            return; // while Redis is down the heartbeat probes; recovery triggers the flush
        }
        if (size.get() < capacity / 2 && overflowed.compareAndSet(true, false)) {
            roomListeners.forEach(Runnable::run);
        }
        if (size.get() > 0) {
            flush();
        }
    }

    /**
     * Sends up to one batch; returns its completion, which comes after every task's own completion handling
     * (already complete when nothing was sent, or when another batch is in flight: {@link #drain} waits for that one).
     */
    CompletableFuture<Void> flush() {
        if (!inFlight.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        current = done; // before any task leaves the queue: drain reads the queue size first, then this
        try {
            RBatch batch = client.createBatch(BatchOptions.defaults()
                    .responseTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                    .retryAttempts(0));
            List<CompletableFuture<?>> parts = new ArrayList<>();
            List<String> taken = new ArrayList<>();
            List<Task> added = new ArrayList<>();
            while (taken.size() < batchSize) {
                String id = order.poll();
                if (id == null) {
                    break;
                }
                Task task = queued.remove(id);
                size.decrementAndGet();
                if (task == null) {
                    continue;
                }
                taken.add(id);
                CompletableFuture<?> part = task.addTo(batch);
                if (part != null) {
                    parts.add(part);
                    added.add(task);
                }
            }
            if (parts.isEmpty()) {
                return finish(done);
            }
            long started = System.nanoTime();
            RFuture<?> sent;
            try {
                sent = batch.executeAsync();
            } catch (RuntimeException e) {
                // not even sent (e.g. a client that never connected): the command futures will not complete
                availability.failure(e);
                added.forEach(t -> t.failed(e));
                return finish(done);
            }
            sent.whenComplete((result, error) -> {
                inFlight.set(false);
                if (error != null) {
                    availability.failure(error);
                    log.debug("write batch of {} entries failed: {}", taken.size(), error.toString());
                } else {
                    latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    availability.success();
                    if (size.get() > 0) {
                        flushSoon(); // more than one batch was waiting
                    }
                }
                CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                        .whenComplete((v, e) -> done.complete(null));
            });
            return done;
        } catch (RuntimeException e) {
            availability.failure(e);
            log.warn("write batch could not be built: {}", e.toString());
            return finish(done);
        }
    }

    private CompletableFuture<Void> finish(CompletableFuture<Void> done) {
        inFlight.set(false);
        done.complete(null);
        return done;
    }

    /**
     * Writes everything queued and waits for the batch in flight (whose tasks may queue again, e.g. a durable
     * write forced while an earlier one was being written), up to {@code timeout}; for shutdown, not on a
     * request thread.
     *
     * @return entries still unwritten
     */
    public int drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            CompletableFuture<Void> wait;
            if (size.get() > 0) {
                wait = flush();
                if (wait.isDone()) {
                    wait = current; // another batch was in flight (or this one sent nothing)
                }
            } else {
                wait = current; // read after the size: a batch that took the last entries is visible here
                if (wait.isDone()) {
                    break;
                }
            }
            try {
                if (wait.isDone()) {
                    Thread.sleep(1); // a batch between its send and its flag: let it settle
                } else {
                    wait.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                break;
            }
            if (!availability.available()) {
                break;
            }
        }
        return size.get();
    }
}
