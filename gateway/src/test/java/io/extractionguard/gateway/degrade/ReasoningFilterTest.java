package io.extractionguard.gateway.degrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.request.ApiFormat;
import tools.jackson.databind.json.JsonMapper;

/** The SSE side of {@link ReasoningFilter} however the stream is cut into buffers. */
class ReasoningFilterTest {

    static final String STREAM = """
            event: message_start\r
            data: {"type":"message_start","message":{"content":[]}}\r
            \r
            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"secret"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"answer"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    static final String EXPECTED = """
            event: message_start\r
            data: {"type":"message_start","message":{"content":[]}}\r
            \r
            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"answer"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    private static String filter(int bufferSize) {
        ReasoningFilter f = new ReasoningFilter(ApiFormat.ANTHROPIC_MESSAGES, JsonMapper.builder().build());
        byte[] in = STREAM.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i += bufferSize) {
            byte[] chunk = java.util.Arrays.copyOfRange(in, i, Math.min(in.length, i + bufferSize));
            out.writeBytes(f.feed(chunk));
        }
        out.writeBytes(f.finish());
        assertThat(f.removedCount()).isEqualTo(1);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void thinkingEventsAreDroppedAndLaterBlocksRenumberedWhateverTheBufferSize() {
        for (int size : new int[] {1, 7, 64, 1 << 16}) {
            assertThat(filter(size)).as("buffers of %d bytes", size).isEqualTo(EXPECTED);
        }
    }

    @Test
    void anIncompleteLastEventIsPassedOnAsItCame() {
        ReasoningFilter f = new ReasoningFilter(ApiFormat.ANTHROPIC_MESSAGES, JsonMapper.builder().build());
        byte[] cut = "data: {\"type\":\"message_st".getBytes(StandardCharsets.UTF_8);
        assertThat(f.feed(cut)).isEmpty();
        assertThat(f.finish()).isEqualTo(cut);
    }
}
