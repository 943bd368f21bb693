package io.extractionguard.engine.spi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.extractionguard.engine.campaign.RequestIndicators;
import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.enforce.SanctionKeys;

/**
 * Where campaign sanctions live. The request path calls {@link #match} (local memory only); a
 * shared implementation makes a sanction imposed on one replica apply on all.
 */
public interface CampaignSanctions {

    /** Stores a new sanction. */
    void put(CampaignSanction sanction);

    /** Records that {@code penalised} was reached by sanction {@code id} (its hash joins the members). */
    void reached(String id, CampaignSanction.Penalised penalised, long accountHash);

    /** Marks sanction {@code id} released at {@code at}; the released sanction, if it existed. */
    Optional<CampaignSanction> release(String id, Instant at);

    /** Every sanction held (active, expired within the retention, released). */
    List<CampaignSanction> all();

    /** The active sanction this request's account belongs to or links to, if any. Local memory only. */
    default Optional<CampaignSanction> match(RequestIndicators r, Instant now) {
        if (r == RequestIndicators.NONE) {
            return Optional.empty();
        }
        long hash = r.accountHash() & Long.MAX_VALUE;
        for (CampaignSanction s : all()) {
            if (s.isActiveAt(now) && (s.members().contains(hash) || SanctionKeys.links(r, s.linking()))) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
