package io.extractionguard.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The suite's leak check works: it is set up in this JVM, and a buffer nobody released is reported. */
class NettyLeakDetectionTest {

    @Test
    void theSuiteRunsWithNettysParanoidLeakDetectorReportingHere() {
        assertThat(NettyLeaks.installed()).as("gateway/pom.xml's surefire settings for Netty leak detection").isTrue();
    }

    @Test
    void aBufferDroppedWithoutReleaseIsReported() throws InterruptedException {
        leak();
        // taken out, so that NettyLeakCheck fails this class only for leaks not made on purpose
        List<String> leaks = NettyLeaks.take("NettyLeakDetectionTest.leak");
        assertThat(leaks).hasSize(1);
        assertThat(leaks.get(0)).contains("LEAK: ByteBuf.release() was not called");
    }

    @Test
    void aReleasedBufferIsNotReported() throws InterruptedException {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(64);
        buffer.writeLong(42);
        buffer.release();
        assertThat(NettyLeaks.take("NettyLeakDetectionTest.aReleasedBufferIsNotReported")).isEmpty();
    }

    private static void leak() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(64);
        buffer.writeLong(42);
    }
}
