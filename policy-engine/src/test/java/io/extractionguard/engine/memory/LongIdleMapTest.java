package io.extractionguard.engine.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * {@link LongIdleMap} against the access-ordered {@link LinkedHashMap} it replaced in
 * {@link SingleThreadedCampaignStore}: the same values, the same expiries and the same order of
 * live entries (which {@code sharedValues} lists) after random lookups, creations, expiries and
 * evictions past the bound.
 */
class LongIdleMapTest {

    /** The replaced implementation, kept here as the reference. */
    private static final class Reference {
        private record Slot(Object value, long[] accessed) {
        }

        final long idle;
        final LinkedHashMap<Long, Slot> map;

        Reference(long max, long idle) {
            this.idle = idle;
            this.map = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Slot> eldest) {
                    return size() > max;
                }
            };
        }

        Object get(long key, Object created, long now) {
            Slot s = map.get(key);
            if (s == null || now - s.accessed()[0] >= idle) {
                s = new Slot(created, new long[] {now});
                map.put(key, s);
                return created;
            }
            s.accessed()[0] = now;
            return s.value();
        }

        Object getIfPresent(long key, long now) {
            Slot s = map.get(key);
            if (s == null || now - s.accessed()[0] >= idle) {
                return null;
            }
            s.accessed()[0] = now;
            return s.value();
        }

        List<Map.Entry<Long, Object>> entries(long now) {
            List<Map.Entry<Long, Object>> out = new ArrayList<>();
            for (Map.Entry<Long, Slot> e : map.entrySet()) {
                if (now - e.getValue().accessed()[0] < idle) {
                    out.add(Map.entry(e.getKey(), e.getValue().value()));
                }
            }
            return out;
        }
    }

    @Test
    void answersAndOrdersAsTheAccessOrderedLinkedHashMap() {
        for (long max : new long[] {7, 300, 100_000}) {
            SplittableRandom random = new SplittableRandom(max);
            long idle = 1_000;
            LongIdleMap<Object> map = new LongIdleMap<>(max, idle);
            Reference reference = new Reference(max, idle);
            long now = 0;
            for (int i = 0; i < 60_000; i++) {
                now += random.nextInt(3);
                long key = random.nextInt(2_000) - 1_000L; // negative keys, collisions in the table
                if (random.nextInt(4) == 0) {
                    assertThat(map.getIfPresent(key, now)).isSameAs(reference.getIfPresent(key, now));
                } else {
                    Object created = new Object();
                    assertThat(map.get(key, () -> created, now)).isSameAs(reference.get(key, created, now));
                }
                if (i % 997 == 0) {
                    assertThat(map.entries(now)).isEqualTo(reference.entries(now));
                }
            }
            assertThat(map.size()).isEqualTo(reference.map.size());
            assertThat(map.entries(now)).isEqualTo(reference.entries(now));
        }
    }
}
