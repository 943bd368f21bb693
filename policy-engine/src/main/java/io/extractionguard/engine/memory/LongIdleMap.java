package io.extractionguard.engine.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An access-ordered map from {@code long} keys whose entries expire {@code idleNanos} after their
 * last access, bounded to {@code max} entries (the least recently accessed dropped first): what an
 * access-ordered {@link java.util.LinkedHashMap} of {@code Long} keys with a slot per entry did, in
 * parallel arrays (chained hashing, an index-linked access list), without a boxed key, a map entry
 * and a slot object per entry nor their lookups through {@code Long.equals}. Order as the
 * {@code LinkedHashMap}'s: every lookup that finds the key, expired or not, moves it to the most
 * recent end; a new key is added there and evicts the eldest beyond {@code max}; an expired entry
 * replaced keeps its place at the end. Not thread-safe.
 */
final class LongIdleMap<V> {

    private static final int NONE = -1;

    private final long idleNanos;
    private final long max;
    private int[] table;
    private long[] keys;
    private Object[] values;
    private long[] accessed;
    /** Next entry in the same hash chain. */
    private int[] chain;
    private int[] older;
    private int[] newer;
    private int eldest = NONE;
    private int newest = NONE;
    private int size;
    /** Entries ever allocated (indices below are in use or on the free list). */
    private int allocated;
    private int free = NONE;

    LongIdleMap(long max, long idleNanos) {
        this.max = max;
        this.idleNanos = idleNanos;
        int capacity = 1 << 12;
        this.table = new int[capacity];
        Arrays.fill(table, NONE);
        this.keys = new long[capacity];
        this.values = new Object[capacity];
        this.accessed = new long[capacity];
        this.chain = new int[capacity];
        this.older = new int[capacity];
        this.newer = new int[capacity];
    }

    /** The live value, touched; a new one if absent or expired (Caffeine's {@code get(key, mapping)}). */
    V get(long key, Supplier<V> create, long now) {
        int i = find(key);
        if (i == NONE) {
            V v = create.get();
            insert(key, v, now);
            return v;
        }
        moveToNewest(i);
        if (now - accessed[i] >= idleNanos) {
            values[i] = create.get();
        }
        accessed[i] = now;
        return value(i);
    }

    /** The live value, touched, or null (Caffeine's {@code getIfPresent}). */
    V getIfPresent(long key, long now) {
        int i = find(key);
        if (i == NONE) {
            return null;
        }
        moveToNewest(i);
        if (now - accessed[i] >= idleNanos) {
            return null;
        }
        accessed[i] = now;
        return value(i);
    }

    /** The live entries, in access order (eldest first), without touching them. */
    List<Map.Entry<Long, V>> entries(long now) {
        List<Map.Entry<Long, V>> out = new ArrayList<>();
        for (int i = eldest; i != NONE; i = newer[i]) {
            if (now - accessed[i] < idleNanos) {
                out.add(Map.entry(keys[i], value(i)));
            }
        }
        return out;
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    private V value(int i) {
        return (V) values[i];
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & (table.length - 1);
    }

    private int find(long key) {
        for (int i = table[slot(key)]; i != NONE; i = chain[i]) {
            if (keys[i] == key) {
                return i;
            }
        }
        return NONE;
    }

    private void insert(long key, V value, long now) {
        int i;
        if (free != NONE) {
            i = free;
            free = chain[i];
        } else {
            if (allocated == keys.length) {
                grow();
            }
            i = allocated++;
        }
        keys[i] = key;
        values[i] = value;
        accessed[i] = now;
        int s = slot(key);
        chain[i] = table[s];
        table[s] = i;
        linkNewest(i);
        size++;
        if (size > max) {
            remove(eldest);
        }
    }

    private void remove(int i) {
        int s = slot(keys[i]);
        if (table[s] == i) {
            table[s] = chain[i];
        } else {
            int p = table[s];
            while (chain[p] != i) {
                p = chain[p];
            }
            chain[p] = chain[i];
        }
        unlink(i);
        values[i] = null;
        chain[i] = free;
        free = i;
        size--;
    }

    private void moveToNewest(int i) {
        if (i != newest) {
            unlink(i);
            linkNewest(i);
        }
    }

    private void linkNewest(int i) {
        older[i] = newest;
        newer[i] = NONE;
        if (newest != NONE) {
            newer[newest] = i;
        } else {
            eldest = i;
        }
        newest = i;
    }

    private void unlink(int i) {
        if (older[i] != NONE) {
            newer[older[i]] = newer[i];
        } else {
            eldest = newer[i];
        }
        if (newer[i] != NONE) {
            older[newer[i]] = older[i];
        } else {
            newest = older[i];
        }
    }

    /** Doubles the entry arrays and the table (load factor at most 1), rehashing the chains. */
    private void grow() {
        int capacity = keys.length * 2;
        keys = Arrays.copyOf(keys, capacity);
        values = Arrays.copyOf(values, capacity);
        accessed = Arrays.copyOf(accessed, capacity);
        chain = Arrays.copyOf(chain, capacity);
        older = Arrays.copyOf(older, capacity);
        newer = Arrays.copyOf(newer, capacity);
        table = new int[capacity];
        Arrays.fill(table, NONE);
        for (int i = eldest; i != NONE; i = newer[i]) {
            int s = slot(keys[i]);
            chain[i] = table[s];
            table[s] = i;
        }
    }
}
