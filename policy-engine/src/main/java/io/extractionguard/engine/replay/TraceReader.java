package io.extractionguard.engine.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a JSON Lines trace (contract §1). Lines that are not JSON objects or lack a required
 * field are handed to the {@link Problems} callback with their line number and skipped; unknown
 * top-level fields (labels, groups) are ignored.
 */
public final class TraceReader implements Closeable {

    /** Receives lines that could not be read. */
    @FunctionalInterface
    public interface Problems {
        void skipped(long lineNumber, String reason);
    }

    /** Lines longer than this are skipped without parsing (a body is capped well below it). */
    public static final int MAX_LINE_BYTES = 64 << 20;

    private final InputStream in;
    private final Problems problems;
    private final JsonFactory json = new JsonFactory();
    private byte[] buffer = new byte[1 << 16];
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkLimit;
    private long lineNumber;
    private boolean eof;

    public TraceReader(InputStream in, Problems problems) {
        this.in = in;
        this.problems = problems;
    }

    /** The next readable record, or null at the end of the trace. */
    public TraceRecord next() throws IOException {
        while (true) {
            int length = readLine();
            if (length < 0) {
                return null;
            }
            lineNumber++;
            if (length == 0 || isBlank(buffer, length)) {
                problems.skipped(lineNumber, "empty line");
                continue;
            }
            if (length > MAX_LINE_BYTES) {
                problems.skipped(lineNumber, "line longer than " + MAX_LINE_BYTES + " bytes");
                continue;
            }
            byte[] line = Arrays.copyOf(buffer, length);
            String[] problem = new String[1];
            TraceRecord record = parse(line, problem);
            if (record != null) {
                return record;
            }
            problems.skipped(lineNumber, problem[0]);
        }
    }

    private TraceRecord parse(byte[] line, String[] problem) {
        String ts = null;
        String method = null;
        String path = null;
        String remote = null;
        Map<String, String> headers = null;
        int bodyStart = -1;
        int bodyEnd = -1;
        try (JsonParser p = json.createParser(ObjectReadContext.empty(), line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                problem[0] = "not a JSON object";
                return null;
            }
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ts" -> ts = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "method" -> method = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "path" -> path = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "remote_addr" -> remote = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    case "headers" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        headers = new HashMap<>();
                        String h;
                        while ((h = p.nextName()) != null) {
                            if (p.nextToken() == JsonToken.VALUE_STRING) {
                                headers.put(h.toLowerCase(Locale.ROOT), p.getString());
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    case "body" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        bodyStart = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        bodyEnd = (int) p.currentLocation().getByteOffset();
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (JacksonException e) {
            problem[0] = "not valid JSON: " + e.getOriginalMessage();
            return null;
        }
        String missing = ts == null ? "ts" : method == null ? "method" : path == null ? "path"
                : remote == null ? "remote_addr" : headers == null ? "headers" : bodyStart < 0 ? "body" : null;
        if (missing != null) {
            problem[0] = "missing or mistyped field '" + missing + "'";
            return null;
        }
        Instant instant = parseTime(ts);
        if (instant == null) {
            problem[0] = "ts is not an RFC 3339 timestamp: '" + ts + "'";
            return null;
        }
        return new TraceRecord(lineNumber, instant, method, path, remote, headers, line, bodyStart, bodyEnd);
    }

    static Instant parseTime(String ts) {
        try {
            return Instant.parse(ts);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(ts).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /**
     * Reads one line (without its terminator) into {@code buffer}; -1 at end of input. A line over
     * {@link #MAX_LINE_BYTES} is consumed to its end but only its length is reported.
     */
    private int readLine() throws IOException {
        if (eof) {
            return -1;
        }
        int length = 0;
        long total = 0;
        while (true) {
            if (chunkPos == chunkLimit) {
                chunkLimit = in.read(chunk, 0, chunk.length);
                chunkPos = 0;
                if (chunkLimit <= 0) {
                    chunkLimit = 0;
                    eof = true;
                    if (total == 0) {
                        return -1;
                    }
                    return total > MAX_LINE_BYTES ? (int) Math.min(Integer.MAX_VALUE, total) : stripCr(length);
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
            if (total <= MAX_LINE_BYTES) {
                if (length + n > buffer.length) {
                    buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + n));
                }
                System.arraycopy(chunk, start, buffer, length, n);
                length += n;
            }
            chunkPos = newline < 0 ? chunkLimit : newline + 1;
            if (newline >= 0) {
                return total > MAX_LINE_BYTES ? (int) Math.min(Integer.MAX_VALUE, total) : stripCr(length);
            }
        }
    }

    private int stripCr(int length) {
        return length > 0 && buffer[length - 1] == '\r' ? length - 1 : length;
    }

    private static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != ' ' && bytes[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
