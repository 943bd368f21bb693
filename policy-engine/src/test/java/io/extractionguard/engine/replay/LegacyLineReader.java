package io.extractionguard.engine.replay;

// A frozen copy of the line reader before the one-copy change (main b1d7acf), kept only as the reference
// LineReaderTest compares it with. Do not change it.

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Splits a byte stream into numbered lines without decoding them (LF or CRLF endings). */
final class LegacyLineReader implements Closeable {

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

    LegacyLineReader(InputStream in, int maxLineBytes) {
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
            int newline = -1;
            for (int i = start; i < chunkLimit; i++) {
                if (chunk[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int end = newline < 0 ? chunkLimit : newline;
            int n = end - start;
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
        lineNumber++;
        if (total > maxLineBytes) {
            return new Line(lineNumber, null, total);
        }
        int len = length > 0 && buffer[length - 1] == '\r' ? length - 1 : length;
        return new Line(lineNumber, Arrays.copyOf(buffer, len), len);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
