package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import io.extractionguard.engine.state.ClockTicker;

/**
 * The local limiters' buckets per account: forgotten {@code idle} after their last access on the
 * injected clock, at most {@code max} of them. {@link #concurrent} is a Caffeine cache (the
 * gateway); {@link #singleThreaded} the same expiry on an access-ordered {@link LinkedHashMap} for
 * a caller on one thread (the replay's deciding thread, where Caffeine's read buffer and maintenance
 * were most of what a limiter's lookup cost under C1). They differ only past {@code max}: the
 * single-threaded map drops the least recently accessed entry, Caffeine by frequency.
 */
abstract class AccountEntries<V> {

    /** The live entry, touched, or null (absent or idle too long). */
    abstract V getIfPresent(String key);

    /** Stores {@code f(key, live entry or null)} (never null) and returns it, touched. */
    abstract V compute(String key, BiFunction<String, V, V> f);

    static <V> AccountEntries<V> concurrent(Clock clock, long max, Duration idle) {
        Cache<String, V> cache = Caffeine.newBuilder()
                .ticker(ClockTicker.of(clock))
                .maximumSize(max)
                .expireAfterAccess(idle)
                .executor(Runnable::run)
                .build();
        return new AccountEntries<>() {
            @Override
            V getIfPresent(String key) {
                return cache.getIfPresent(key);
            }

            @Override
            V compute(String key, BiFunction<String, V, V> f) {
                return cache.asMap().compute(key, f);
            }
        };
    }

    static <V> AccountEntries<V> singleThreaded(Clock clock, long max, Duration idle) {
        return new SingleThreaded<>(ClockTicker.of(clock), max, idle.toNanos());
    }

    private static final class SingleThreaded<V> extends AccountEntries<V> {
        private static final class Slot<V> {
            V value;
            long accessedNanos;
        }

        private final Ticker ticker;
        private final long idleNanos;
        private final LinkedHashMap<String, Slot<V>> map;

        SingleThreaded(Ticker ticker, long max, long idleNanos) {
            this.ticker = ticker;
            this.idleNanos = idleNanos;
            this.map = new LinkedHashMap<>(1 << 12, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Slot<V>> eldest) {
                    return size() > max;
                }
            };
        }

        @Override
        V getIfPresent(String key) {
            Slot<V> s = map.get(key);
            long now = ticker.read();
            if (s == null || now - s.accessedNanos >= idleNanos) {
                return null;
            }
            s.accessedNanos = now;
            return s.value;
        }

        @Override
        V compute(String key, BiFunction<String, V, V> f) {
            Slot<V> s = map.get(key);
            long now = ticker.read();
            V live = s == null || now - s.accessedNanos >= idleNanos ? null : s.value;
            V value = f.apply(key, live);
            if (s == null) {
                s = new Slot<>();
                map.put(key, s);
            }
            s.value = value;
            s.accessedNanos = now;
            return value;
        }
    }
}
