package io.extractionguard.engine.replay;

import java.time.Instant;
import java.util.Map;

/**
 * One line of a trace (contract §1). The body stays as the raw bytes of the line
 * ({@code line[bodyStart, bodyEnd)}) so it is parsed once, by the same parser the gateway uses.
 *
 * @param lineNumber 1-based line number in the trace file
 * @param ts         arrival time
 * @param method     HTTP method
 * @param path       request path
 * @param remoteAddr TCP peer address
 * @param headers    lower-case header names to values
 * @param line       the raw line
 * @param bodyStart  offset of the body object in {@code line}
 * @param bodyEnd    end offset (exclusive) of the body object
 */
public record TraceRecord(long lineNumber, Instant ts, String method, String path, String remoteAddr,
                          Map<String, String> headers, byte[] line, int bodyStart, int bodyEnd) {
}
