package io.extractionguard.engine.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReplicaBatchTest {

    private final ReplicaBatch profiles = new ReplicaBatch("profile batch", 1);

    private record Item(String replica, long seq, String key, byte[] blob) {
    }

    private List<Item> decode(ReplicaBatch codec, byte[] batch) {
        List<Item> items = new ArrayList<>();
        codec.decode(batch, (replica, seq, key, blob) -> items.add(new Item(replica, seq, key, blob)));
        return items;
    }

    @Test
    void itemsComeBackInOrderWithTheirReplicaAndSequence() {
        byte[] batch = profiles.encode("gw-ä1", 42, List.of("acct-1", "kōji", ""),
                List.of(new byte[]{1, 2, 3}, new byte[0], new byte[]{-1}));

        List<Item> items = decode(profiles, batch);

        assertThat(items).extracting(Item::key).containsExactly("acct-1", "kōji", "");
        assertThat(items).extracting(Item::replica).containsOnly("gw-ä1");
        assertThat(items).extracting(Item::seq).containsOnly(42L);
        assertThat(items.get(0).blob()).containsExactly(1, 2, 3);
        assertThat(items.get(1).blob()).isEmpty();
        assertThat(items.get(2).blob()).containsExactly(-1);
        assertThat(profiles.replicaOf(batch)).isEqualTo("gw-ä1");
    }

    /** Replicas of the previous build read and write this layout: a rolling upgrade must not lose changes. */
    @Test
    void profileBatchesKeepTheLayoutOfThePreviousBuild() {
        byte[] id = "r1".getBytes(StandardCharsets.UTF_8);
        byte[] name = "acct".getBytes(StandardCharsets.UTF_8);
        byte[] blob = {9, 8, 7};
        byte[] previous = ByteBuffer.allocate(1 + 1 + id.length + 8 + 4 + 2 + name.length + 4 + blob.length)
                .put((byte) 1).put((byte) id.length).put(id).putLong(7).putInt(1)
                .putShort((short) name.length).put(name).putInt(blob.length).put(blob).array();

        assertThat(profiles.encode("r1", 7, List.of("acct"), List.of(blob))).isEqualTo(previous);
        assertThat(decode(profiles, previous)).singleElement()
                .satisfies(i -> assertThat(i.key()).isEqualTo("acct"))
                .satisfies(i -> assertThat(i.blob()).isEqualTo(blob));
    }

    @Test
    void everyTruncationIsReportedAsACorruptBatch() {
        byte[] batch = profiles.encode("r1", 3, List.of("a", "bb"), List.of(new byte[]{1, 2}, new byte[]{3}));
        for (int length = 0; length < batch.length; length++) {
            byte[] cut = Arrays.copyOf(batch, length);
            assertThatThrownBy(() -> decode(profiles, cut))
                    .as("cut at %d of %d bytes", length, batch.length)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("profile batch encoding is corrupt");
        }
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] batch = profiles.encode("r1", 3, List.of("a"), List.of(new byte[]{1}));
        byte[] padded = Arrays.copyOf(batch, batch.length + 1);

        assertThatThrownBy(() -> decode(profiles, padded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 unexpected trailing bytes");
    }

    @Test
    void aLengthBeyondTheBatchFailsBeforeAnythingIsAllocated() {
        byte[] batch = profiles.encode("r1", 3, List.of("a"), List.of(new byte[]{1}));
        int itemLength = batch.length - 1 - 4; // the item's length field, before its one byte
        batch[itemLength] = 0x7F;
        batch[itemLength + 1] = (byte) 0xFF;

        assertThatThrownBy(() -> decode(profiles, batch))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more bytes, 1 left");
    }

    @Test
    void aBatchOfAnotherFormatIsRefusedByName() {
        ReplicaBatch other = new ReplicaBatch("campaign batch", 2);
        byte[] batch = other.encode("r1", 0, List.of(""), List.of(new byte[]{1}));

        assertThatThrownBy(() -> decode(profiles, batch))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown profile batch version 2 (this build reads version 1)");
        assertThatThrownBy(() -> profiles.replicaOf(batch)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oversizedIdsAreRefusedWhenWriting() {
        assertThatThrownBy(() -> profiles.encode("r".repeat(256), 0, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replica id too long");
        assertThatThrownBy(() -> profiles.encode("r1", 0, List.of("k".repeat(65_536)), List.of(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key too long");
    }
}
