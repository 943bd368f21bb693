package io.extractionguard.engine.spi;

import java.time.Instant;
import java.util.List;

import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.IndicatorIndex;

/**
 * Where imported peer indicators live (STIX bundles from other labs, see {@link StixBundles}).
 * The request path reads {@link #index} from local memory; a shared implementation makes an import
 * on one replica visible to all.
 */
public interface IndicatorRegistry {

    /** Adds indicators, replacing any with the same id; expired ones are dropped. */
    void put(List<Indicator> indicators, Instant now);

    /** The valid indicators, ready for matching. Local memory only. */
    IndicatorIndex index(Instant now);

    /** Every indicator held (valid or not yet valid), for listing. */
    List<Indicator> all(Instant now);
}
