package io.extractionguard.demo;

import java.time.Duration;

/**
 * How the demo backend behaves.
 *
 * @param host            address to bind (loopback by default: the model server is never exposed)
 * @param port            port to bind; 0 picks a free one
 * @param firstByteDelay  time before the first byte of a response (simulated prompt processing)
 * @param outputTokens    tokens generated when the client's limit allows it (the answer is min(this, max_tokens))
 * @param tokensPerChunk  tokens per streamed delta event
 * @param chunkInterval   delay between streamed delta events
 */
public record DemoBackendSettings(String host, int port, Duration firstByteDelay, int outputTokens,
                                  int tokensPerChunk, Duration chunkInterval) {

    public static final DemoBackendSettings DEFAULT =
            new DemoBackendSettings("127.0.0.1", 0, Duration.ZERO, 64, 8, Duration.ZERO);

    public DemoBackendSettings {
        if (outputTokens < 1 || tokensPerChunk < 1) {
            throw new IllegalArgumentException("outputTokens and tokensPerChunk must be at least 1");
        }
        if (firstByteDelay.isNegative() || chunkInterval.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
    }

    public DemoBackendSettings withPort(int port) {
        return new DemoBackendSettings(host, port, firstByteDelay, outputTokens, tokensPerChunk, chunkInterval);
    }

    public DemoBackendSettings withFirstByteDelay(Duration delay) {
        return new DemoBackendSettings(host, port, delay, outputTokens, tokensPerChunk, chunkInterval);
    }

    public DemoBackendSettings withOutputTokens(int tokens) {
        return new DemoBackendSettings(host, port, firstByteDelay, tokens, tokensPerChunk, chunkInterval);
    }

    public DemoBackendSettings withStreaming(int tokensPerChunk, Duration chunkInterval) {
        return new DemoBackendSettings(host, port, firstByteDelay, outputTokens, tokensPerChunk, chunkInterval);
    }
}
