package io.extractionguard.gateway.usage;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits a server-sent-event byte stream into events, however the bytes are cut into buffers:
 * lines end at LF (a preceding CR is dropped), {@code data:} lines of one event are joined with LF,
 * and a blank line ends the event. Other fields ({@code event:}, {@code id:}, comments) are not
 * needed to read usage and are ignored.
 *
 * <p>With {@code keepRaw}, it also keeps each event's raw bytes and hands them back (or not) as
 * the listener decides, so a caller can drop whole events from the stream.
 */
final class SseEvents {

    /** Receives each complete event's data; returns whether to keep the event's raw bytes. */
    interface Listener {
        boolean event(byte[] data, int length);
    }

    /** Events with more data than this are passed through unread (no usage event is near it). */
    static final int MAX_EVENT_DATA = 16 << 20;

    private final Listener listener;
    private final boolean keepRaw;
    private byte[] line = new byte[256];
    private int lineLength;
    private byte[] data = new byte[1024];
    private int dataLength;
    private boolean dataSeen;
    private boolean overflow;
    private byte[] raw;
    private int rawLength;
    private byte[] out;
    private int outLength;
    /** A direct buffer's bytes, copied out to be scanned. */
    private byte[] chunk;
    private static final int CHUNK = 8192;

    SseEvents(Listener listener, boolean keepRaw) {
        this.listener = listener;
        this.keepRaw = keepRaw;
        if (keepRaw) {
            raw = new byte[1024];
            out = new byte[1024];
        }
    }

    /** Reads the buffer's remaining bytes (the buffer's position is advanced). */
    void feed(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            feed(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
            return;
        }
        if (chunk == null) {
            chunk = new byte[CHUNK];
        }
        while (buffer.hasRemaining()) { // a direct buffer: copied out a chunk at a time, then scanned in the array
            int n = Math.min(buffer.remaining(), CHUNK);
            buffer.get(chunk, 0, n);
            feed(chunk, 0, n);
        }
    }

    /**
     * Scans for line ends and copies each line's bytes in one step. A line within the bytes is read where it lies;
     * one cut by the end of a buffer is gathered in {@link #line} first.
     */
    private void feed(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int from = offset;
        while (from < end) {
            int lf = from;
            while (lf < end && bytes[lf] != '\n') {
                lf++;
            }
            if (lf == end) { // no line end: the rest is the start of a line
                if (keepRaw) {
                    appendRaw(bytes, from, end - from);
                }
                appendLine(bytes, from, end - from);
                return;
            }
            if (keepRaw) {
                appendRaw(bytes, from, lf + 1 - from);
            }
            if (lineLength == 0) {
                if (lf - from > MAX_EVENT_DATA) {
                    overflow = true; // as if gathered: a longer line is not kept
                }
                endOfLine(bytes, from, lf - from);
            } else {
                appendLine(bytes, from, lf - from);
                int n = lineLength;
                lineLength = 0;
                endOfLine(line, 0, n);
            }
            from = lf + 1;
        }
    }

    private void appendRaw(byte[] bytes, int from, int n) {
        raw = ensure(raw, rawLength + n);
        System.arraycopy(bytes, from, raw, rawLength, n);
        rawLength += n;
    }

    /** Keeps up to {@value #MAX_EVENT_DATA} bytes of a line cut by a buffer's end; a longer one is an overflow. */
    private void appendLine(byte[] bytes, int from, int n) {
        int take = Math.min(n, MAX_EVENT_DATA - lineLength);
        if (take < n) {
            overflow = true;
        }
        line = ensure(line, lineLength + take);
        System.arraycopy(bytes, from, line, lineLength, take);
        lineLength += take;
    }

    /** With {@code keepRaw}: the raw bytes of the events completed and kept since the last call. */
    byte[] takeKept() {
        byte[] kept = Arrays.copyOf(out, outLength);
        outLength = 0;
        return kept;
    }

    /** With {@code keepRaw}: the bytes of an event the stream ended in the middle of (passed on unread). */
    byte[] takeIncomplete() {
        byte[] rest = Arrays.copyOf(raw, rawLength);
        rawLength = 0;
        return rest;
    }

    /** A complete line, its LF excluded: {@code length} bytes of {@code bytes} from {@code start}. */
    private void endOfLine(byte[] bytes, int start, int lineBytes) {
        int length = lineBytes > 0 && bytes[start + lineBytes - 1] == '\r' ? lineBytes - 1 : lineBytes;
        if (length == 0) {
            endOfEvent();
            return;
        }
        if (startsWith(bytes, start, length, "data:")) {
            int from = length > 5 && bytes[start + 5] == ' ' ? 6 : 5;
            int add = length - from + (dataSeen ? 1 : 0);
            if (overflow || dataLength + add > MAX_EVENT_DATA) {
                overflow = true;
                return;
            }
            data = ensure(data, dataLength + add);
            if (dataSeen) {
                data[dataLength++] = '\n';
            }
            System.arraycopy(bytes, start + from, data, dataLength, length - from);
            dataLength += length - from;
            dataSeen = true;
        }
    }

    private void endOfEvent() {
        boolean keep = true;
        if (dataSeen && !overflow) {
            keep = listener.event(data, dataLength);
        }
        if (keepRaw) {
            if (keep) {
                out = ensure(out, outLength + rawLength);
                System.arraycopy(raw, 0, out, outLength, rawLength);
                outLength += rawLength;
            }
            rawLength = 0;
        }
        dataLength = 0;
        dataSeen = false;
        overflow = false;
    }

    private static boolean startsWith(byte[] bytes, int start, int length, String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[start + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ensure(byte[] bytes, int size) {
        return size <= bytes.length ? bytes : Arrays.copyOf(bytes, Math.max(size, bytes.length * 2));
    }
}
