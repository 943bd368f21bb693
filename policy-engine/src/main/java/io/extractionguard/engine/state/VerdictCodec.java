package io.extractionguard.engine.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary form of a {@link Verdict}, used by shared stores and in verdict change
 * messages between replicas:
 * {@code u8 version (1), u8 kind ordinal, i64 expiry epoch ms, utf8 source, varint n + n × utf8 reason, utf8 note}
 * (strings are varint-length-prefixed UTF-8).
 */
public final class VerdictCodec {

    public static final int VERSION = 1;
    private static final int MAX_REASONS = 64;

    private VerdictCodec() {
    }

    public static byte[] encode(Verdict v) {
        Bytes.Writer w = new Bytes.Writer(32 + v.source().length() + v.note().length() + 16 * v.reasons().size());
        w.u8(VERSION).u8(v.kind().ordinal()).i64(v.expiresAt().toEpochMilli()).utf8(v.source());
        w.varlong(v.reasons().size());
        for (String reason : v.reasons()) {
            w.utf8(reason);
        }
        return w.utf8(v.note()).toByteArray();
    }

    public static Verdict decode(byte[] bytes) {
        Bytes.Reader r = new Bytes.Reader("verdict", bytes);
        int version = r.u8();
        if (version != VERSION) {
            throw r.corrupt("unsupported format version " + version + " (this build reads " + VERSION + ")");
        }
        int kind = r.u8();
        if (kind >= Verdict.Kind.values().length) {
            throw r.corrupt("unknown verdict kind " + kind);
        }
        Instant expires = Instant.ofEpochMilli(r.i64());
        String source = r.utf8();
        long n = r.varlong();
        if (n > MAX_REASONS) {
            throw r.corrupt(n + " reasons, at most " + MAX_REASONS);
        }
        List<String> reasons = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
            reasons.add(r.utf8());
        }
        String note = r.utf8();
        r.expectEnd();
        return new Verdict(Verdict.Kind.values()[kind], expires, source, reasons, note);
    }
}
