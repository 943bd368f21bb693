package io.extractionguard.engine.state;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The envelope in which a replica ships a batch of changes to the other replicas: its id, the
 * batch's sequence number and keyed items, each an opaque blob in the format of the stream that
 * carries it. One codec per stream; its version byte names the stream's format, so a replica
 * refuses a batch of a format it does not know instead of misreading it.
 *
 * <pre>
 * batch := version(1) replicaLen(1) replica(utf8) seq(8) count(4) (keyLen(2) key(utf8) itemLen(4) item)*
 * </pre>
 *
 * Big-endian. Reading is bounds-checked: a truncated, padded or foreign batch fails with an
 * {@link IllegalArgumentException} naming the stream and the byte, never with an out-of-bounds
 * exception or an allocation sized by a corrupt length. Thread-safe.
 */
public final class ReplicaBatch {

    /** Receives the items of a batch, in order. */
    @FunctionalInterface
    public interface Visitor {
        void item(String replica, long seq, String key, byte[] item);
    }

    private final String what;
    private final int version;

    /**
     * @param what    the stream's batches, for error messages ("profile batch")
     * @param version the stream's format version (1 to 255)
     */
    public ReplicaBatch(String what, int version) {
        if (version < 1 || version > 255) {
            throw new IllegalArgumentException("batch version must be 1..255, was " + version);
        }
        this.what = what;
        this.version = version;
    }

    /** One batch of {@code keys.get(i)} → {@code items.get(i)}; keys up to 65,535 bytes of UTF-8. */
    public byte[] encode(String replica, long seq, List<String> keys, List<byte[]> items) {
        if (keys.size() != items.size()) {
            throw new IllegalArgumentException(keys.size() + " keys for " + items.size() + " items");
        }
        byte[] id = replica.getBytes(StandardCharsets.UTF_8);
        if (id.length > 255) {
            throw new IllegalArgumentException("replica id too long: " + id.length + " bytes");
        }
        int size = 1 + 1 + id.length + 8 + 4;
        for (int i = 0; i < items.size(); i++) {
            size += 2 + keys.get(i).length() * 3 + 4 + items.get(i).length;
        }
        Bytes.Writer w = new Bytes.Writer(size).u8(version).u8(id.length).bytes(id, 0, id.length).i64(seq)
                .i32(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.get(i).getBytes(StandardCharsets.UTF_8);
            if (key.length > 0xFFFF) {
                throw new IllegalArgumentException("key too long: " + key.length + " bytes");
            }
            byte[] item = items.get(i);
            w.u16(key.length).bytes(key, 0, key.length).i32(item.length).bytes(item, 0, item.length);
        }
        return w.toByteArray();
    }

    /**
     * Hands every item of {@code batch} to {@code visitor}, in order.
     *
     * @return the number of items
     * @throws IllegalArgumentException when the batch is of another version or malformed (items
     *                                  before the malformed one have been visited)
     */
    public int decode(byte[] batch, Visitor visitor) {
        Bytes.Reader r = header(batch);
        String replica = r.utf8(r.u8());
        long seq = r.i64();
        int count = r.i32();
        if (count < 0) {
            throw r.corrupt("negative item count " + count);
        }
        for (int i = 0; i < count; i++) {
            String key = r.utf8(r.u16());
            visitor.item(replica, seq, key, r.bytes(r.i32()));
        }
        r.expectEnd();
        return count;
    }

    /** The replica that wrote {@code batch}, read without its items. */
    public String replicaOf(byte[] batch) {
        Bytes.Reader r = header(batch);
        return r.utf8(r.u8());
    }

    private Bytes.Reader header(byte[] batch) {
        Bytes.Reader r = new Bytes.Reader(what, batch);
        int v = r.u8();
        if (v != version) {
            throw r.corrupt("unknown " + what + " version " + v + " (this build reads version " + version + ")");
        }
        return r;
    }
}
