package io.extractionguard.engine.memory;

import java.time.Clock;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;

import io.extractionguard.engine.campaign.SentTurns;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.spi.HistoryLedger;

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

    private final Cache<Long, SentTurns> accounts;

    public InMemoryHistoryLedger(Clock clock) {
        this(clock, DEFAULT_MAX_ACCOUNTS, DEFAULT_IDLE);
    }

    public InMemoryHistoryLedger(Clock clock, long maxAccounts, Duration idleExpiry) {
        this.accounts = InMemoryCampaignStore.cache(clock, maxAccounts, idleExpiry);
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
            accounts.get(accountHash, NEW).record(claimed);
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
            accounts.get(accountHash, NEW).answered(ClaimedHistory.answered(conversation, digest));
        }
    }

    /** Accounts remembered (tests, metrics). */
    public long size() {
        accounts.cleanUp();
        return accounts.estimatedSize();
    }
}
