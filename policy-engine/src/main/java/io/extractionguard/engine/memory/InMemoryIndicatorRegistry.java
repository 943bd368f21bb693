package io.extractionguard.engine.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.IndicatorIndex;
import io.extractionguard.engine.spi.IndicatorRegistry;

/** An {@link IndicatorRegistry} in process memory, bounded to {@value #MAX_INDICATORS} indicators. */
public final class InMemoryIndicatorRegistry implements IndicatorRegistry {

    public static final int MAX_INDICATORS = 100_000;

    private final double templateSimilarity;
    private final Map<String, Indicator> byId = new LinkedHashMap<>();
    private volatile IndicatorIndex index = IndicatorIndex.EMPTY;
    private volatile Instant indexValidUntil = Instant.MIN;

    /** @param templateSimilarity similarity at which a prompt matches a template indicator */
    public InMemoryIndicatorRegistry(double templateSimilarity) {
        this.templateSimilarity = templateSimilarity;
    }

    @Override
    public synchronized void put(List<Indicator> indicators, Instant now) {
        for (Indicator i : indicators) {
            if (i.validUntil() == null || now.isBefore(i.validUntil())) {
                byId.put(i.id(), i);
            }
        }
        while (byId.size() > MAX_INDICATORS) {
            byId.remove(byId.keySet().iterator().next()); // oldest import first
        }
        rebuild(now);
    }

    @Override
    public IndicatorIndex index(Instant now) {
        if (!now.isBefore(indexValidUntil)) {
            synchronized (this) {
                if (!now.isBefore(indexValidUntil)) {
                    rebuild(now);
                }
            }
        }
        return index;
    }

    @Override
    public synchronized List<Indicator> all(Instant now) {
        return List.copyOf(byId.values());
    }

    /** Drops expired indicators and rebuilds the index; valid until the next expiry or validity start. */
    private void rebuild(Instant now) {
        byId.values().removeIf(i -> i.validUntil() != null && !now.isBefore(i.validUntil()));
        List<Indicator> valid = new ArrayList<>();
        Instant next = Instant.MAX;
        for (Indicator i : byId.values()) {
            if (i.isValidAt(now)) {
                valid.add(i);
                if (i.validUntil() != null && i.validUntil().isBefore(next)) {
                    next = i.validUntil();
                }
            } else if (i.validFrom().isAfter(now) && i.validFrom().isBefore(next)) {
                next = i.validFrom();
            }
        }
        index = valid.isEmpty() ? IndicatorIndex.EMPTY : new IndicatorIndex(valid, templateSimilarity);
        indexValidUntil = next;
    }
}
