package io.extractionguard.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The line reader gives the lines of the reader before it (a frozen copy, {@link LegacyLineReader}): the same
 * numbers, bytes and lengths for LF and CRLF endings, empty lines, a last line without a newline, lines longer than
 * the maximum, and lines that lie inside one read, across reads and across the reader's 64 KiB chunks, newlines at
 * every offset of its eight-byte steps.
 */
class LineReaderTest {

    @Test
    void randomStreamsSplitAsBefore() throws IOException {
        SplittableRandom random = new SplittableRandom(21);
        for (int round = 0; round < 400; round++) {
            byte[] data = stream(random, round % 40 == 0 ? 300 : 12);
            int max = round % 3 == 0 ? 50 : 1 << 20;
            assertSameLines(data, max, random.nextLong(), round % 2 == 0);
        }
    }

    @Test
    void newlinesAtEveryOffsetSplitAsBefore() throws IOException {
        for (int length = 0; length < 40; length++) {
            for (String ending : new String[] {"\n", "\r\n", ""}) {
                byte[] line = ("x".repeat(length) + ending).getBytes();
                byte[] data = new byte[line.length * 3];
                for (int k = 0; k < 3; k++) {
                    System.arraycopy(line, 0, data, k * line.length, line.length);
                }
                assertSameLines(data, 1 << 20, length, false);
            }
        }
    }

    private static byte[] stream(SplittableRandom random, int lines) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            int length = random.nextInt(5) == 0 ? random.nextInt(70_000, 140_000) : random.nextInt(0, 200);
            for (int k = 0; k < length; k++) {
                b.append(random.nextInt(30) == 0 ? '\r' : (char) ('a' + random.nextInt(26)));
            }
            if (i < lines - 1 || random.nextBoolean()) {
                b.append(random.nextBoolean() ? "\n" : "\r\n");
            }
        }
        return b.toString().getBytes();
    }

    private static void assertSameLines(byte[] data, int max, long seed, boolean smallReads) throws IOException {
        try (LineReader now = new LineReader(reads(data, seed, smallReads), max);
             LegacyLineReader before = new LegacyLineReader(reads(data, seed, smallReads), max)) {
            while (true) {
                LineReader.Line a = now.next();
                LegacyLineReader.Line b = before.next();
                if (b == null) {
                    assertThat(a).isNull();
                    return;
                }
                assertThat(a).isNotNull();
                assertThat(a.number()).isEqualTo(b.number());
                assertThat(a.length()).isEqualTo(b.length());
                assertThat(a.bytes()).isEqualTo(b.bytes());
            }
        }
    }

    /** The data, handed out in reads of random sizes (or whole), as a socket or pipe may. */
    private static InputStream reads(byte[] data, long seed, boolean smallReads) {
        SplittableRandom random = new SplittableRandom(seed);
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, smallReads ? Math.min(len, 1 + random.nextInt(100)) : len);
            }
        };
    }

    @Test
    void theNewlineSearchFindsTheFirstNewlineAtEveryOffset() {
        for (int length = 0; length < 30; length++) {
            for (int at = -1; at < length; at++) {
                byte[] b = new byte[length + 3];
                Arrays.fill(b, (byte) 'a');
                if (at >= 0) {
                    b[at + 1] = '\n';
                    if (at + 2 < length + 1) {
                        b[at + 2] = '\n';
                    }
                }
                assertThat(LineReader.newline(b, 1, length + 1)).as("length %d at %d", length, at)
                        .isEqualTo(at < 0 ? -1 : at + 1);
            }
        }
    }
}
