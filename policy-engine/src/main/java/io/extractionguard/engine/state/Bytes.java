package io.extractionguard.engine.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Minimal little helpers for the compact binary encodings of profiles, verdicts and replica batches: big-endian
 * fixed-width numbers, zig-zag varints and length-prefixed UTF-8. Readers check every length
 * against what is left, so a corrupt or foreign blob fails with a message rather than an
 * out-of-bounds exception or a huge allocation.
 */
final class Bytes {

    private Bytes() {
    }

    /** A growable byte sink. */
    static final class Writer {
        private byte[] buf;
        private int len;

        Writer(int initialCapacity) {
            buf = new byte[Math.max(16, initialCapacity)];
        }

        private void ensure(int extra) {
            if (len + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
            }
        }

        Writer u8(int v) {
            ensure(1);
            buf[len++] = (byte) v;
            return this;
        }

        Writer u16(int v) {
            if (v < 0 || v > 0xFFFF) {
                throw new IllegalArgumentException("does not fit 16 bits: " + v);
            }
            ensure(2);
            buf[len++] = (byte) (v >>> 8);
            buf[len++] = (byte) v;
            return this;
        }

        Writer i32(int v) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                buf[len++] = (byte) (v >>> shift);
            }
            return this;
        }

        Writer i64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[len++] = (byte) (v >>> shift);
            }
            return this;
        }

        Writer f32(float v) {
            return i32(Float.floatToRawIntBits(v));
        }

        /** Unsigned LEB128. */
        Writer varlong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[len++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
            return this;
        }

        /** Zig-zag then LEB128: small magnitudes of either sign take few bytes. */
        Writer zigzag(long v) {
            return varlong((v << 1) ^ (v >> 63));
        }

        Writer bytes(byte[] src, int offset, int length) {
            ensure(length);
            System.arraycopy(src, offset, buf, len, length);
            len += length;
            return this;
        }

        Writer utf8(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varlong(b.length);
            return bytes(b, 0, b.length);
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, len);
        }
    }

    /** A bounds-checked reader over a byte array. */
    static final class Reader {
        private final String what;
        private final byte[] buf;
        private int pos;

        Reader(String what, byte[] buf) {
            this.what = what;
            this.buf = buf;
        }

        IllegalArgumentException corrupt(String detail) {
            return new IllegalArgumentException(what + " encoding is corrupt at byte " + pos + ": " + detail);
        }

        private void need(int n) {
            if (n < 0 || n > buf.length - pos) {
                throw corrupt("needs " + n + " more bytes, " + (buf.length - pos) + " left");
            }
        }

        int u8() {
            need(1);
            return buf[pos++] & 0xFF;
        }

        int u16() {
            need(2);
            int v = (buf[pos] & 0xFF) << 8 | buf[pos + 1] & 0xFF;
            pos += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        long i64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        float f32() {
            return Float.intBitsToFloat(i32());
        }

        long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw corrupt("varint longer than 10 bytes");
        }

        long zigzag() {
            long v = varlong();
            return (v >>> 1) ^ -(v & 1);
        }

        void bytes(byte[] dst, int offset, int length) {
            need(length);
            System.arraycopy(buf, pos, dst, offset, length);
            pos += length;
        }

        /** The next {@code n} bytes, checked against what is left before anything is allocated. */
        byte[] bytes(int n) {
            need(n);
            byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return out;
        }

        /** {@code n} bytes of UTF-8, checked against what is left. */
        String utf8(int n) {
            need(n);
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        String utf8() {
            long n = varlong();
            if (n > buf.length - pos) {
                throw corrupt("string of " + n + " bytes, " + (buf.length - pos) + " left");
            }
            String s = new String(buf, pos, (int) n, StandardCharsets.UTF_8);
            pos += (int) n;
            return s;
        }

        void expectEnd() {
            if (pos != buf.length) {
                throw corrupt((buf.length - pos) + " unexpected trailing bytes");
            }
        }
    }
}
