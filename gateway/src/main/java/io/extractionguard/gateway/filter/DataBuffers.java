package io.extractionguard.gateway.filter;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/** Reading a joined request body out of its (pooled) buffer. */
public final class DataBuffers {

    private DataBuffers() {
    }

    /** Copies the buffer's readable bytes and releases it. */
    public static byte[] drain(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }
}
