package io.extractionguard.engine.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.spi.CampaignSanctions;

/** {@link CampaignSanctions} in process memory (a single gateway, replay, tests). */
public final class InMemoryCampaignSanctions implements CampaignSanctions {

    private final Map<String, CampaignSanction> byId = new ConcurrentHashMap<>();
    private volatile List<CampaignSanction> all = List.of();

    @Override
    public void put(CampaignSanction sanction) {
        byId.put(sanction.id(), sanction);
        all = List.copyOf(byId.values());
    }

    @Override
    public void reached(String id, CampaignSanction.Penalised penalised, long accountHash) {
        byId.computeIfPresent(id, (k, s) -> s.with(penalised, accountHash));
        all = List.copyOf(byId.values());
    }

    @Override
    public Optional<CampaignSanction> release(String id, Instant at) {
        CampaignSanction s = byId.computeIfPresent(id, (k, v) -> v.released() == null ? v.releasedAt(at) : v);
        all = List.copyOf(byId.values());
        return Optional.ofNullable(s);
    }

    @Override
    public List<CampaignSanction> all() {
        return all;
    }
}
