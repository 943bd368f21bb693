package io.extractionguard.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

class ContentDecodingTest {

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static final byte[] BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void gzipAndDeflateBodiesDecodeAndIdentityPassesThrough() throws Exception {
        assertThat(ContentDecoding.decode("gzip", gzip(BODY), 1 << 20).body()).isEqualTo(BODY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(out)) {
            d.write(BODY);
        }
        assertThat(ContentDecoding.decode("Deflate", out.toByteArray(), 1 << 20).body()).isEqualTo(BODY);
        assertThat(ContentDecoding.decode(null, BODY, 10).body()).isSameAs(BODY);
        assertThat(ContentDecoding.decode("identity", BODY, 10).body()).isSameAs(BODY);
    }

    @Test
    void aDecompressionBombIsRefusedByRatioWithoutInflatingIt() throws Exception {
        byte[] bomb = gzip(new byte[64 << 20]); // 64 MiB of zeros, about 64 KiB compressed
        assertThat(bomb.length).isLessThan(100_000);
        ContentDecoding.Result r = ContentDecoding.decode("gzip", bomb, Integer.MAX_VALUE);
        assertThat(r.ok()).isFalse();
        assertThat(r.error().kind()).isEqualTo(ParseError.Kind.LIMIT_EXCEEDED);
        assertThat(r.error().message()).contains("expands more than 200 times");
    }

    @Test
    void decompressedSizeIsCappedLikeAPlainBody() throws Exception {
        byte[] big = new byte[2 << 20];
        new java.util.Random(1).nextBytes(big); // incompressible: the ratio check does not fire first
        ContentDecoding.Result r = ContentDecoding.decode("gzip", gzip(big), 1 << 20);
        assertThat(r.error().kind()).isEqualTo(ParseError.Kind.LIMIT_EXCEEDED);
        assertThat(r.error().message()).isEqualTo("decompressed request body is larger than the 1048576-byte limit of this endpoint");
    }

    @Test
    void truncatedOrCorruptGzipAndUnknownEncodingsAreNamedErrors() throws Exception {
        byte[] gz = gzip(BODY);
        assertThat(ContentDecoding.decode("gzip", Arrays.copyOf(gz, gz.length / 2), 1 << 20).error().message())
                .isEqualTo("gzip body is truncated or corrupt");
        assertThat(ContentDecoding.decode("gzip", BODY, 1 << 20).error().message()).isEqualTo("gzip body is corrupt (bad header)");
        ContentDecoding.Result br = ContentDecoding.decode("br", BODY, 1 << 20);
        assertThat(br.error().kind()).isEqualTo(ParseError.Kind.UNKNOWN_FORMAT);
        assertThat(br.error().message()).isEqualTo("content-encoding 'br' is not supported; use gzip, deflate or none");
    }
}
