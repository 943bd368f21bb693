package io.extractionguard.engine.request;

/**
 * Checks that a body is UTF-8 as RFC 8259 requires of JSON exchanged between systems, so that the
 * guard and the upstream decode the same characters: no byte-order mark (some parsers skip it,
 * others reject it), no UTF-16/32 (some parsers detect it, others do not), no malformed, overlong
 * or surrogate sequences (some parsers replace them, others reject them).
 */
final class Utf8 {

    /** Eight bytes at a time for the ASCII runs that make up most JSON. */
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    /** Why {@code b[off, off+len)} is not plain UTF-8, or null when it is. */
    static String problem(byte[] b, int off, int len) {
        int end = off + len;
        if (len >= 3 && (b[off] & 0xFF) == 0xEF && (b[off + 1] & 0xFF) == 0xBB && (b[off + 2] & 0xFF) == 0xBF) {
            return "request body starts with a byte-order mark; send UTF-8 without one";
        }
        if ((len >= 2 && (b[off] == 0 || b[off + 1] == 0))
                || (len >= 2 && (b[off] & 0xFF) >= 0xFE && (b[off + 1] & 0xFF) >= 0xFE)) {
            return "request body is not UTF-8 (UTF-16 or UTF-32?); send UTF-8";
        }
        int i = off;
        while (i < end) {
            if (i + 8 <= end && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
                i += 8;
                continue;
            }
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                return invalid(i - off);
            }
            if (i + need >= end) { // truncated sequence
                return invalid(i - off);
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return invalid(i - off);
                }
                cp = cp << 6 | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return invalid(i - off);
            }
            i += need + 1;
        }
        return null;
    }

    private static String invalid(int offset) {
        return "request body is not valid UTF-8 (byte " + offset + ")";
    }
}
