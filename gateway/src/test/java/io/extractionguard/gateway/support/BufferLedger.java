package io.extractionguard.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * A client's buffer allocator that keeps every buffer it hands out, so a test can check that each was released:
 * a response body a test leaves unread (a status-only check on WebTestClient, spring-framework#31335) keeps its
 * buffer, which Netty reports only if a GC happens to collect it while leak detection samples it.
 */
public final class BufferLedger extends AbstractByteBufAllocator {

    private final ConcurrentLinkedQueue<ByteBuf> handedOut = new ConcurrentLinkedQueue<>();

    public BufferLedger() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return kept(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return kept(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private ByteBuf kept(ByteBuf buffer) {
        handedOut.add(buffer);
        return buffer;
    }

    /** Buffers still held, waiting up to two seconds for the event loop to finish with them. */
    public List<ByteBuf> unreleased() throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        handedOut.removeIf(b -> b.refCnt() == 0);
        while (!handedOut.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            handedOut.removeIf(b -> b.refCnt() == 0);
        }
        return List.copyOf(handedOut);
    }

    /** Fails when a buffer this client read or wrote was not released (e.g. a response body left unread). */
    public void assertAllReleased() throws InterruptedException {
        assertThat(unreleased()).as("buffers the client allocated and nobody released").isEmpty();
    }
}
