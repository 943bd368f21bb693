package io.extractionguard.gateway.intel;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import io.extractionguard.engine.intel.StixTime;

/** TAXII 2.1 timestamps: {@code date_added} and the {@code X-TAXII-Date-Added-*} headers, in microseconds. */
public final class TaxiiTime {

    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private TaxiiTime() {
    }

    public static String format(Instant t) {
        return MICROS.format(t.truncatedTo(ChronoUnit.MICROS));
    }

    /** A TAXII/STIX timestamp ({@code Z}, any sub-second precision). */
    public static Optional<Instant> parse(String s) {
        return StixTime.parse(s);
    }
}
