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
        while (buffer.hasRemaining()) {
            byte b = buffer.get();
            if (keepRaw) {
                raw = ensure(raw, rawLength + 1);
                raw[rawLength++] = b;
            }
            if (b == '\n') {
                endOfLine();
            } else if (lineLength < MAX_EVENT_DATA) {
                line = ensure(line, lineLength + 1);
                line[lineLength++] = b;
            } else {
                overflow = true;
            }
        }
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

    private void endOfLine() {
        int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        lineLength = 0;
        if (length == 0) {
            endOfEvent();
            return;
        }
        if (startsWith(line, length, "data:")) {
            int from = length > 5 && line[5] == ' ' ? 6 : 5;
            int add = length - from + (dataSeen ? 1 : 0);
            if (overflow || dataLength + add > MAX_EVENT_DATA) {
                overflow = true;
                return;
            }
            data = ensure(data, dataLength + add);
            if (dataSeen) {
                data[dataLength++] = '\n';
            }
            System.arraycopy(line, from, data, dataLength, length - from);
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

    private static boolean startsWith(byte[] bytes, int length, String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ensure(byte[] bytes, int size) {
        return size <= bytes.length ? bytes : Arrays.copyOf(bytes, Math.max(size, bytes.length * 2));
    }
}
