package io.extractionguard.gateway.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector for every gateway test JVM (the surefire configuration names it in
 * {@code io.netty.customResourceLeakDetector} and sets the level to paranoid): every leak Netty finds is
 * kept here, besides being logged, so that {@link NettyLeakCheck} can fail the test class that leaked
 * instead of leaving a log line nobody reads. Netty only notices a leak once the buffer was garbage
 * collected and another buffer is allocated: {@link #collect()} forces both.
 */
public final class NettyLeaks<T> extends ResourceLeakDetector<T> {

    private static final ConcurrentLinkedQueue<String> FOUND = new ConcurrentLinkedQueue<>();

    public NettyLeaks(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** Whether this JVM's Netty reports its leaks here (the surefire configuration is in effect). */
    public static boolean installed() {
        return NettyLeaks.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"))
                && ResourceLeakDetector.getLevel() == Level.PARANOID;
    }

    @Override
    protected boolean needReport() {
        return true; // also when the logger's ERROR level is off: the report is the point
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        FOUND.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        FOUND.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected (no records)");
        super.reportUntracedLeak(resourceType);
    }

    /**
     * Makes Netty report the leaks of buffers nobody references any more, and returns (and forgets) every
     * leak reported since the last call. Netty reports a leak once per distinct access record.
     */
    public static List<String> collect() throws InterruptedException {
        return take("");
    }

    /** As {@link #collect()}, but only the leaks whose records contain {@code marker}; the others stay. */
    public static List<String> take(String marker) throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(round == 0 ? 20 : 50); // the reference handler enqueues collected buffers' trackers
            ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(1); // a tracked allocation polls that queue
            probe.release();
            ByteBuf heap = ByteBufAllocator.DEFAULT.heapBuffer(1);
            heap.release();
        }
        List<String> leaks = new ArrayList<>();
        FOUND.removeIf(leak -> leak.contains(marker) && leaks.add(leak));
        return leaks;
    }
}
