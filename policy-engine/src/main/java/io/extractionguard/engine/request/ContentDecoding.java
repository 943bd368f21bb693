package io.extractionguard.engine.request;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes compressed request bodies ({@code Content-Encoding: gzip} or {@code deflate}) for
 * inspection, bounded so that a decompression bomb costs nothing: inflation stops as soon as the
 * output passes the body cap or the compression ratio passes {@link #MAX_RATIO}.
 */
public final class ContentDecoding {

    /** Compression ratios above this are refused: JSON compresses 5-20x, bombs 1000x and more. */
    public static final int MAX_RATIO = 200;

    /** A decoded body, or why it could not be decoded. */
    public record Result(byte[] body, ParseError error) {
        public boolean ok() {
            return error == null;
        }
    }

    private ContentDecoding() {
    }

    /**
     * Decodes {@code body} sent with {@code contentEncoding} (null or "identity": unchanged), into at most
     * {@code maxBytes} bytes.
     */
    public static Result decode(String contentEncoding, byte[] body, int maxBytes) {
        String encoding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        return switch (encoding) {
            case "", "identity" -> new Result(body, null);
            case "gzip", "x-gzip" -> inflate(body, maxBytes, true);
            case "deflate" -> inflate(body, maxBytes, false);
            default -> new Result(null, new ParseError(ParseError.Kind.UNKNOWN_FORMAT,
                    "content-encoding '" + abbreviate(encoding) + "' is not supported; use gzip, deflate or none"));
        };
    }

    private static Result inflate(byte[] body, int maxBytes, boolean gzip) {
        int offset = 0;
        if (gzip) {
            offset = gzipHeaderLength(body);
            if (offset < 0) {
                return failed(ParseError.Kind.MALFORMED_JSON, "gzip body is corrupt (bad header)");
            }
        }
        Inflater inflater = new Inflater(gzip);
        try {
            inflater.setInput(body, offset, body.length - offset);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, Math.max(64, body.length * 4)));
            byte[] chunk = new byte[8192];
            long limitByRatio = (long) Math.max(1, body.length) * MAX_RATIO;
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return failed(ParseError.Kind.MALFORMED_JSON, (gzip ? "gzip" : "deflate") + " body is truncated or corrupt");
                }
                if (out.size() + n > maxBytes) {
                    return failed(ParseError.Kind.LIMIT_EXCEEDED,
                            "decompressed request body is larger than the " + maxBytes + "-byte limit of this endpoint");
                }
                if (out.size() + n > limitByRatio) {
                    return failed(ParseError.Kind.LIMIT_EXCEEDED,
                            "compressed request body expands more than " + MAX_RATIO + " times; refused as a decompression bomb");
                }
                out.write(chunk, 0, n);
            }
            return new Result(out.toByteArray(), null);
        } catch (DataFormatException e) {
            return failed(ParseError.Kind.MALFORMED_JSON, (gzip ? "gzip" : "deflate") + " body is corrupt");
        } finally {
            inflater.end();
        }
    }

    /** Length of a gzip member header (RFC 1952), or -1 when it is not one. */
    static int gzipHeaderLength(byte[] b) {
        if (b.length < 10 || (b[0] & 0xFF) != 0x1f || (b[1] & 0xFF) != 0x8b || b[2] != 8) {
            return -1;
        }
        int flags = b[3] & 0xFF;
        int pos = 10;
        if ((flags & 0x04) != 0) { // FEXTRA
            if (pos + 2 > b.length) {
                return -1;
            }
            pos += 2 + ((b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8);
        }
        if ((flags & 0x08) != 0) { // FNAME
            while (pos < b.length && b[pos] != 0) {
                pos++;
            }
            pos++;
        }
        if ((flags & 0x10) != 0) { // FCOMMENT
            while (pos < b.length && b[pos] != 0) {
                pos++;
            }
            pos++;
        }
        if ((flags & 0x02) != 0) { // FHCRC
            pos += 2;
        }
        return pos <= b.length ? pos : -1;
    }

    private static Result failed(ParseError.Kind kind, String message) {
        return new Result(null, new ParseError(kind, message));
    }

    private static String abbreviate(String s) {
        return s.length() > 32 ? s.substring(0, 32) + "…" : s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
