package io.extractionguard.engine.campaign;

import java.time.Duration;
import java.time.Instant;

import io.extractionguard.engine.identity.ClientIdentity;

/** The farm of the claimed-history tests: day-old accounts on one card, client and address, and its distinct problems. */
final class HistoryFarm {

    private HistoryFarm() {
    }

    static ClientIdentity member(String id, Instant now) {
        return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, null, "free",
                now.minus(Duration.ofDays(1)), "card-farm", "ja4-farm", "farm-client", "203.0.113.7", 0);
    }

    /** The {@code n}-th problem: a new ask each time, in one template. */
    static String problem(int n) {
        return "Next exercise. Given " + (n * 7 % 97) + " integers and a window of " + (n % 5 + 2) + " find the "
                + (n % 13) + "th largest window sum, then prove the bound of " + (n * 31 % 1000)
                + " operations. Show the working in full, one step per line, before the result.";
    }
}
