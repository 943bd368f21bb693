package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import io.extractionguard.engine.state.AccountProfile;
import io.extractionguard.engine.state.ProfileCodec;

/**
 * An account's durable record, one field of its profile bucket: the whole profile a replica's view held
 * when it was written, and per replica the last stream batch it includes ({@link Mark}).
 *
 * <p>Form: {@code 1;REPLICA=SEQ@MILLIS,…;} then the {@link ProfileCodec} bytes. The marks are text so the
 * bucket script ({@link RedisScripts#DURABLE_BUCKET}) can compare them: a write is taken only when its marks
 * are at least the stored ones (those younger than its cutoff), so an overwrite never loses a change that
 * has left the stream.
 */
record DurableRecord(AccountProfile profile, Map<String, Mark> marks, boolean foreign) {

    /** A replica's last stream batch included, and when it was shipped (marks older than the cutoff are dropped). */
    record Mark(long seq, long atMillis) {
        Mark max(Mark other) {
            return other == null || seq >= other.seq ? this : other;
        }
    }

    private static final byte VERSION = '1';

    static byte[] encode(AccountProfile profile, Map<String, Mark> marks) {
        StringBuilder head = new StringBuilder(16 + marks.size() * 24).append((char) VERSION).append(';');
        boolean first = true;
        for (Map.Entry<String, Mark> m : marks.entrySet()) {
            if (!first) {
                head.append(',');
            }
            first = false;
            head.append(m.getKey()).append('=').append(m.getValue().seq()).append('@').append(m.getValue().atMillis());
        }
        byte[] h = head.append(';').toString().getBytes(StandardCharsets.US_ASCII);
        byte[] blob = ProfileCodec.encode(profile);
        byte[] out = new byte[h.length + blob.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(blob, 0, out, h.length, blob.length);
        return out;
    }

    /**
     * @throws IllegalArgumentException when the bytes are not a record of this form (named in the message)
     */
    static DurableRecord decode(byte[] bytes) {
        if (bytes.length < 3 || bytes[0] != VERSION || bytes[1] != ';') {
            throw new IllegalArgumentException("durable profile record: unknown form (expected '1;' first)");
        }
        int end = 2;
        while (end < bytes.length && bytes[end] != ';') {
            end++;
        }
        if (end == bytes.length) {
            throw new IllegalArgumentException("durable profile record: marks not terminated by ';'");
        }
        Map<String, Mark> marks = new HashMap<>();
        String head = new String(bytes, 2, end - 2, StandardCharsets.US_ASCII);
        if (!head.isEmpty()) {
            for (String m : head.split(",")) {
                int eq = m.indexOf('=');
                int at = m.indexOf('@', eq);
                if (eq <= 0 || at < 0) {
                    throw new IllegalArgumentException("durable profile record: bad mark '" + m + "'");
                }
                marks.put(m.substring(0, eq), new Mark(Long.parseLong(m.substring(eq + 1, at)),
                        Long.parseLong(m.substring(at + 1))));
            }
        }
        byte[] blob = new byte[bytes.length - end - 1];
        System.arraycopy(bytes, end + 1, blob, 0, blob.length);
        ProfileCodec.Read read = ProfileCodec.read(blob);
        return new DurableRecord(read.profile(), marks, !read.complete());
    }
}
