package io.extractionguard.gateway.observe;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import io.extractionguard.engine.campaign.Indicators;

/**
 * Account ids behind the account hashes campaign state holds, for operators' campaign listings: of the
 * accounts decided recently (about the last hour) — on this replica embedded, by any replica with
 * Redis ({@code RedisAccountNames}), so every replica lists the same names.
 */
public interface AccountNames {

    /** The ids of those of {@code hashes} that were decided recently; blocking (call off the event loop). */
    Map<Long, String> names(Collection<Long> hashes);

    /** The hash campaign state keys an account by. */
    static long hash(String accountId) {
        return Indicators.accountHash(accountId) & Long.MAX_VALUE;
    }

    /** This replica's recent decisions. */
    static AccountNames of(RecentDecisions recent) {
        return hashes -> {
            Map<Long, String> names = new HashMap<>();
            for (String id : recent.accounts()) {
                long h = hash(id);
                if (hashes.contains(h)) {
                    names.put(h, id);
                }
            }
            return names;
        };
    }
}
