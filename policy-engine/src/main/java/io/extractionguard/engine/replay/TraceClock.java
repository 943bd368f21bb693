package io.extractionguard.engine.replay;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The replay's clock: it stands at the current trace line's timestamp and never moves backwards. */
public final class TraceClock extends Clock {

    private volatile Instant now = Instant.EPOCH;

    /**
     * Moves the clock to {@code instant}; an earlier instant leaves it where it is.
     *
     * @return whether the instant was earlier than the clock (an out-of-order line)
     */
    public boolean advanceTo(Instant instant) {
        if (instant.isBefore(now)) {
            return true;
        }
        now = instant;
        return false;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the trace clock is always UTC");
    }
}
