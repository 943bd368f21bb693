package io.extractionguard.engine.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a byte stream into numbered lines without decoding them (LF or CRLF endings). A line that lies inside one
 * read chunk (nearly all) is copied once, straight out of it; the newline is looked for eight bytes at a time.
 */
final class LineReader implements Closeable {

    /** A line as read: its 1-based number and its bytes, or null bytes when it exceeded the maximum. */
    record Line(long number, byte[] bytes, long length) {
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkLimit;
    private byte[] buffer = new byte[1 << 14];
    private long lineNumber;
    private boolean eof;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** Up to {@code max} next lines; an empty list at the end of input. */
    List<Line> next(int max) throws IOException {
        List<Line> lines = new ArrayList<>(max);
        Line line;
        while (lines.size() < max && (line = next()) != null) {
            lines.add(line);
        }
        return lines;
    }

    /** The next line, or null at the end of input. */
    Line next() throws IOException {
        if (eof) {
            return null;
        }
        int length = 0;
        long total = 0;
        while (true) {
            if (chunkPos == chunkLimit) {
                int n = in.read(chunk, 0, chunk.length);
                chunkPos = 0;
                chunkLimit = Math.max(0, n);
                if (n <= 0) {
                    eof = true;
                    return total == 0 ? null : finish(length, total);
                }
            }
            int start = chunkPos;
            int newline = newline(chunk, start, chunkLimit);
            int end = newline < 0 ? chunkLimit : newline;
            int n = end - start;
            if (total == 0 && newline >= 0) { // the whole line is in this chunk
                chunkPos = newline + 1;
                return finish(chunk, start, n, n);
            }
            total += n;
            if (total <= maxLineBytes) {
                if (length + n > buffer.length) {
                    buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + n));
                }
                System.arraycopy(chunk, start, buffer, length, n);
                length += n;
            }
            chunkPos = newline < 0 ? chunkLimit : newline + 1;
            if (newline >= 0) {
                return finish(length, total);
            }
        }
    }

    private Line finish(int length, long total) {
        return finish(buffer, 0, length, total);
    }

    /** Line {@code from[start, start + length)}, {@code total} bytes long in all (more than kept when too long). */
    private Line finish(byte[] from, int start, int length, long total) {
        lineNumber++;
        if (total > maxLineBytes) {
            return new Line(lineNumber, null, total);
        }
        int len = length > 0 && from[start + length - 1] == '\r' ? length - 1 : length;
        return new Line(lineNumber, Arrays.copyOfRange(from, start, start + len), len);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long NEWLINES = 0x0A0A_0A0A_0A0A_0A0AL;

    /** The index of the first '\n' in {@code b[from, to)}, or -1. */
    static int newline(byte[] b, int from, int to) {
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES; // newline bytes are 0
            if (((x - ONES) & ~x & 0x8080_8080_8080_8080L) != 0) {
                break; // one of these eight (the lowest flagged byte is one; look byte by byte)
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
