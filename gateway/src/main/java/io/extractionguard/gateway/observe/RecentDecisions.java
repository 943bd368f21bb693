package io.extractionguard.gateway.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.extractionguard.engine.decision.Decision;

/**
 * The last few decisions per account on this replica, for the admin API's account view. Bounded:
 * {@value #PER_ACCOUNT} per account, accounts idle for an hour or beyond 100,000 are forgotten.
 */
@Component
public class RecentDecisions {

    static final int PER_ACCOUNT = 20;

    /** A decision as shown to operators. */
    public record Entry(Instant at, String route, String action, double score, String band, List<String> reasons) {
    }

    private final Cache<String, Deque<Entry>> byAccount = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(Duration.ofHours(1))
            // maintenance on the recording thread (amortised, a few entries at a time) instead of a task handed
            // to the common pool: that hand-off woke a pool thread for many requests
            .executor(Runnable::run)
            .build();

    public void add(Instant at, String route, Decision d) {
        Deque<Entry> entries = byAccount.get(d.accountId(), k -> new ArrayDeque<>(PER_ACCOUNT));
        synchronized (entries) {
            if (entries.size() == PER_ACCOUNT) {
                entries.removeFirst();
            }
            entries.addLast(new Entry(at, route, d.action().name(), d.score(), d.band(), d.reasons()));
        }
    }

    /** The accounts with recent decisions on this replica (a snapshot). */
    public java.util.Set<String> accounts() {
        return java.util.Set.copyOf(byAccount.asMap().keySet());
    }

    /** Newest first. */
    public List<Entry> of(String accountId) {
        Deque<Entry> entries = byAccount.getIfPresent(accountId);
        if (entries == null) {
            return List.of();
        }
        synchronized (entries) {
            List<Entry> out = new ArrayList<>(entries);
            java.util.Collections.reverse(out);
            return out;
        }
    }
}
