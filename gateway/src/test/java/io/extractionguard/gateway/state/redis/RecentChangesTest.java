package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The retained stream changes a cold load adds (held as bytes in segments): every change remembered is given
 * back, in arrival order and exactly once, until the retention has passed, and never kept much longer.
 */
class RecentChangesTest {

    private static final long RETENTION = 300_000;

    @Test
    void everyChangeComesBackInArrivalOrderAcrossSegments() {
        AtomicLong now = new AtomicLong(1_000_000);
        RecentChanges recent = new RecentChanges(RETENTION, now::get);
        Map<String, List<RecentChanges.Delta>> expected = new HashMap<>();
        Random rnd = new Random(7);
        Map<String, Long> seqs = new HashMap<>();
        long bytes = 0;
        for (int i = 0; i < 20_000; i++) {
            String account = "acct-" + rnd.nextInt(300);
            String replica = "replica-" + rnd.nextInt(3);
            long seq = seqs.merge(replica, (long) (1 + rnd.nextInt(2)), Long::sum);
            // mostly small changes, a few larger than a segment
            byte[] blob = new byte[i % 5_000 == 17 ? RecentChanges.SEGMENT_BYTES + 100 : 1 + rnd.nextInt(300)];
            rnd.nextBytes(blob);
            RecentChanges.Delta d = new RecentChanges.Delta(replica, seq, blob, now.get());
            recent.remember(account, d);
            if (expected.computeIfAbsent(account, a -> new ArrayList<>()).stream()
                    .noneMatch(x -> x.replica().equals(replica) && x.seq() == d.seq())) {
                expected.get(account).add(d);
                bytes += blob.length;
            }
            now.addAndGet(rnd.nextInt(3));
        }
        assertThat(recent.bytesHeld()).isGreaterThan(2L * RecentChanges.SEGMENT_BYTES).isGreaterThanOrEqualTo(bytes);
        assertThat(recent.accounts()).isEqualTo(expected.size());
        for (var e : expected.entrySet()) {
            List<RecentChanges.Delta> got = recent.of(e.getKey());
            assertThat(got).hasSameSizeAs(e.getValue());
            for (int i = 0; i < got.size(); i++) {
                RecentChanges.Delta g = got.get(i);
                RecentChanges.Delta x = e.getValue().get(i);
                assertThat(g.replica()).isEqualTo(x.replica());
                assertThat(g.seq()).isEqualTo(x.seq());
                assertThat(g.atMillis()).isEqualTo(x.atMillis());
                assertThat(g.blob()).isEqualTo(x.blob());
            }
        }
        assertThat(recent.of("never-seen")).isEmpty();
    }

    @Test
    void aChangeReadTwiceIsHeldOnceEvenWithOtherReplicasChangesBetween() {
        AtomicLong now = new AtomicLong(1_000_000);
        RecentChanges recent = new RecentChanges(RETENTION, now::get);
        recent.remember("a", new RecentChanges.Delta("r1", 5, new byte[] {1}, now.get()));
        recent.remember("a", new RecentChanges.Delta("r2", 9, new byte[] {2}, now.get()));
        recent.remember("a", new RecentChanges.Delta("r1", 6, new byte[] {3}, now.get()));
        recent.remember("a", new RecentChanges.Delta("r2", 9, new byte[] {2}, now.get())); // re-read
        recent.remember("a", new RecentChanges.Delta("r1", 6, new byte[] {3}, now.get())); // re-read
        assertThat(recent.of("a")).extracting(d -> d.replica() + ":" + d.seq()).containsExactly("r1:5", "r2:9", "r1:6");
    }

    @Test
    void changesStayForTheRetentionAndGoWithinTenSecondsAfter() {
        AtomicLong now = new AtomicLong(1_000_000);
        RecentChanges recent = new RecentChanges(RETENTION, now::get);
        long seq = 0;
        // one change a second for 10 minutes on one account, one change at the start on another; prune as the shipper does
        for (int s = 0; s < 600; s++) {
            recent.remember("steady", new RecentChanges.Delta("r1", ++seq, new byte[] {(byte) s}, now.get()));
            if (s == 0) {
                recent.remember("once", new RecentChanges.Delta("r2", 1, new byte[] {9}, now.get()));
            }
            now.addAndGet(1_000);
            recent.prune();
            List<RecentChanges.Delta> held = recent.of("steady");
            long young = held.stream().filter(d -> now.get() - d.atMillis() <= RETENTION).count();
            assertThat(young).as("every change within the retention is held").isEqualTo(Math.min(s + 1, RETENTION / 1_000));
            assertThat(now.get() - held.get(0).atMillis()).as("none much longer")
                    .isLessThanOrEqualTo(RETENTION + RecentChanges.PRUNE_EVERY_MS + 2_000);
        }
        assertThat(recent.of("once")).isEmpty();
        assertThat(recent.replicas()).as("a replica none of whose changes is held is forgotten").isEqualTo(1);
        assertThat(recent.accounts()).isEqualTo(1);
        assertThat(recent.bytesHeld()).isLessThan(400L * (24 + 1));
        // nothing for longer than the retention: everything goes
        now.addAndGet(RETENTION + 2 * RecentChanges.PRUNE_EVERY_MS);
        recent.prune();
        assertThat(recent.of("steady")).isEmpty();
        assertThat(recent.accounts()).isZero();
        assertThat(recent.bytesHeld()).isZero();
    }

    @Test
    void replicasRestartedForAWeekLeaveNoNamesBehind() {
        AtomicLong now = new AtomicLong(1_000_000);
        RecentChanges recent = new RecentChanges(RETENTION, now::get);
        for (int start = 0; start < 2_000; start++) { // a replica id per start
            String replica = "r" + start;
            for (long seq = 1; seq <= 3; seq++) {
                recent.remember("a", new RecentChanges.Delta(replica, seq, new byte[] {(byte) seq}, now.get()));
                now.addAndGet(100_000);
                recent.prune();
            }
        }
        assertThat(recent.replicas()).isLessThanOrEqualTo(5);
        assertThat(recent.of("a")).extracting(RecentChanges.Delta::replica).allMatch(r -> r.startsWith("r199"));
    }
}
