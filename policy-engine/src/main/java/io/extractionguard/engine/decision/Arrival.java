package io.extractionguard.engine.decision;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.spi.HeaderSource;

/**
 * One inference request as it arrived at the guard, before anything is made of it.
 *
 * @param format   the API format of the endpoint it was sent to
 * @param headers  its headers, repeated field lines joined with commas
 * @param peer     the address of the connection's peer (a proxy's when one is in front)
 * @param body     the body as received (possibly compressed, per {@code content-encoding})
 * @param maxBytes the largest body accepted, compressed or decompressed
 */
public record Arrival(ApiFormat format, HeaderSource headers, String peer, byte[] body, int maxBytes) {

    /** A route's body cap unless it sets {@code max-body-size} (1 MiB); the replay applies it to every trace line's body. */
    public static final int DEFAULT_MAX_BYTES = 1 << 20;
}
