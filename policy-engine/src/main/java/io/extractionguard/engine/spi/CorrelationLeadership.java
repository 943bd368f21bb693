package io.extractionguard.engine.spi;

/**
 * Decides which replica runs the periodic correlation: exactly one at a time, so published
 * evidence is computed once over the shared state. A single gateway uses {@link #SINGLE_NODE}; a
 * fleet sharing state uses a distributed lock (e.g. a Redisson lock with a lease shorter than the
 * correlation interval, so a dead leader is replaced).
 */
@FunctionalInterface
public interface CorrelationLeadership {

    /** Runs correlation in this process whenever asked: right when it is the only replica. */
    CorrelationLeadership SINGLE_NODE = job -> {
        job.run();
        return true;
    };

    /**
     * Runs {@code job} if this replica holds (or can take without waiting) the correlation lease;
     * returns whether it ran. Must not block waiting for another replica.
     */
    boolean runIfLeader(Runnable job);
}
