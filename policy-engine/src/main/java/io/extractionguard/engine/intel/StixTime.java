package io.extractionguard.engine.intel;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * STIX 2.1 timestamps (section 3.2): RFC 3339 in UTC with a literal {@code Z}. Written with exactly
 * millisecond precision, as the specification requires of {@code created} and {@code modified} and
 * as common STIX tooling expects (nanoseconds break some parsers); read at any sub-second precision.
 */
public final class StixTime {

    /** The schema's own pattern ({@code common/timestamp.json}). */
    private static final Pattern TIMESTAMP = Pattern.compile(
            "[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?Z");
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private StixTime() {
    }

    /** {@code t} truncated to milliseconds, as written. */
    public static Instant millis(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS);
    }

    /** {@code 2026-03-02T14:07:55.123Z}. */
    public static String format(Instant t) {
        return MILLIS.format(t);
    }

    /** The instant {@code s} denotes, if it is a STIX timestamp. */
    public static Optional<Instant> parse(String s) {
        if (s == null || !TIMESTAMP.matcher(s).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(s.replace(":60", ":59")));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
