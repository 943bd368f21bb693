package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;

import io.extractionguard.engine.campaign.SentTurns;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.spi.HistoryLedger;
import io.extractionguard.engine.state.ClockTicker;

/**
 * A {@link HistoryLedger} in process memory: one {@link SentTurns} (about 170 bytes, 310 with answers) per account, at most
 * {@code maxAccounts} of them, each forgotten when idle for {@code idleExpiry} on the injected clock. A gateway
 * replica keeps its own: a follow-up that reaches a replica which did not see the request before it (or after a
 * restart) is unverified, and loses that one request's conversing discount; so is an answer the replica did not
 * forward (its text is then read as the request's content).
 */
public final class InMemoryHistoryLedger implements HistoryLedger {

    /** Accounts kept and how long an idle one is remembered (replay and gateway default). */
    public static final long DEFAULT_MAX_ACCOUNTS = 1_000_000;
    public static final Duration DEFAULT_IDLE = Duration.ofDays(3);
    private static final java.util.function.Function<Long, SentTurns> NEW = k -> new SentTurns();

    /** The accounts' records: Caffeine's get-or-create and lookup, or their single-threaded twins. */
    private interface Accounts {
        SentTurns get(long accountHash);

        SentTurns getIfPresent(long accountHash);

        long size();
    }

    private final Accounts accounts;

    public InMemoryHistoryLedger(Clock clock) {
        this(clock, DEFAULT_MAX_ACCOUNTS, DEFAULT_IDLE);
    }

    public InMemoryHistoryLedger(Clock clock, long maxAccounts, Duration idleExpiry) {
        Cache<Long, SentTurns> cache = InMemoryCampaignStore.cache(clock, maxAccounts, idleExpiry);
        this.accounts = new Accounts() {
            @Override
            public SentTurns get(long accountHash) {
                return cache.get(accountHash, NEW);
            }

            @Override
            public SentTurns getIfPresent(long accountHash) {
                return cache.getIfPresent(accountHash);
            }

            @Override
            public long size() {
                cache.cleanUp();
                return cache.estimatedSize();
            }
        };
    }

    private InMemoryHistoryLedger(Accounts accounts) {
        this.accounts = accounts;
    }

    /**
     * The same ledger for a caller on one thread (the replay's deciding thread): the same idle expiry on an
     * access-ordered {@link LongIdleMap} instead of Caffeine (whose read buffer and maintenance were most of a
     * lookup's cost there). They differ only past {@link #DEFAULT_MAX_ACCOUNTS}: this drops the least recently used
     * account, Caffeine by frequency.
     */
    public static InMemoryHistoryLedger singleThreaded(Clock clock) {
        Ticker ticker = ClockTicker.of(clock);
        LongIdleMap<SentTurns> map = new LongIdleMap<>(DEFAULT_MAX_ACCOUNTS, DEFAULT_IDLE.toNanos());
        return new InMemoryHistoryLedger(new Accounts() {
            @Override
            public SentTurns get(long accountHash) {
                return map.get(accountHash, SentTurns::new, ticker.read());
            }

            @Override
            public SentTurns getIfPresent(long accountHash) {
                return map.getIfPresent(accountHash, ticker.read());
            }

            @Override
            public long size() {
                return map.entries(ticker.read()).size();
            }
        });
    }

    @Override
    public long verified(long accountHash, ClaimedHistory claimed, long atMillis) {
        if (claimed.state() == 0) {
            return 0;
        }
        SentTurns sent = accounts.getIfPresent(accountHash);
        return sent == null ? 0 : sent.verified(claimed);
    }

    @Override
    public void record(long accountHash, ClaimedHistory claimed, long atMillis) {
        if (claimed.state() != 0) {
            accounts.get(accountHash).record(claimed);
        }
    }

    @Override
    public long verifiedAnswers(long accountHash, ClaimedHistory claimed, long atMillis) {
        if (claimed.answersKept() == 0) {
            return 0;
        }
        SentTurns sent = accounts.getIfPresent(accountHash);
        return sent == null ? 0 : sent.verifiedAnswers(claimed);
    }

    @Override
    public void answered(long accountHash, long conversation, long digest, long atMillis) {
        if (conversation != 0) {
            accounts.get(accountHash).answered(ClaimedHistory.answered(conversation, digest));
        }
    }

    /** Accounts remembered (tests, metrics). */
    public long size() {
        return accounts.size();
    }
}
