package io.extractionguard.loadtest.traffic;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The trace being generated: its window, the content bank in use, shared networks and the events so far. */
final class TraceContext {

    static final long MINUTE = 60_000;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;

    /** Relative activity of people by local hour of day. */
    private static final double[] DIURNAL = {0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.25, 0.55, 0.85, 1.0, 1.05, 1.05,
            1.0, 1.0, 1.05, 1.05, 1.0, 0.95, 0.95, 1.05, 1.1, 1.0, 0.75, 0.45};
    private static final double[] WORKDAY = {0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.3, 0.9, 1.0, 1.0, 0.9,
            0.6, 0.9, 1.0, 1.0, 0.95, 0.7, 0.3, 0.12, 0.08, 0.05, 0.03, 0.02};

    final long start;
    final long end;
    /** Template bank of the mix: 'A' (default), 'B' (holdout), 'C' (fresh), 'D' (unseen). */
    final char bankName;
    final List<String> carrierPools;
    final List<Event> events = new ArrayList<>();
    private final Rng ids;

    TraceContext(Instant start, long durationMillis, char bank, Rng rng) {
        this.start = start.toEpochMilli();
        this.end = this.start + durationMillis;
        this.bankName = bank;
        this.ids = rng.split();
        this.carrierPools = Infra.carrierPools(rng.split(), 24);
    }

    List<CampaignText.Template> bank() {
        return switch (bankName) {
            case 'B' -> CampaignText.BANK_B;
            case 'C' -> CampaignText.BANK_C;
            case 'D' -> CampaignText.BANK_D;
            default -> CampaignText.BANK_A;
        };
    }

    long duration() {
        return end - start;
    }

    void add(long at, String label, String group, Account account, String ip, Infra.Client client, Request request) {
        if (at >= start && at < end) {
            events.add(new Event(at, label, group, account, ip, client, request));
        }
    }

    Account account(String tier, String org, long createdMillis, String payment, Infra.Client client) {
        return new Account("acct-" + ids.hex(12), "sk-gen-" + ids.hex(32), tier, org, Instant.ofEpochMilli(createdMillis),
                payment, client);
    }

    String orgId() {
        return "org-" + ids.hex(10);
    }

    String paymentFingerprint() {
        return "pf_" + ids.hex(16);
    }

    /** A time in [from, to) where people are active, by the hour-of-day curve shifted to {@code utcOffsetHours}. */
    long humanTime(Rng rng, long from, long to, int utcOffsetHours, boolean workday) {
        double[] curve = workday ? WORKDAY : DIURNAL;
        for (int attempt = 0; attempt < 64; attempt++) {
            long t = from + (long) (rng.uniform() * (to - from));
            int localHour = (int) Math.floorMod((t / HOUR) + utcOffsetHours, 24L);
            if (rng.uniform() * 1.1 < curve[localHour]) {
                return t;
            }
        }
        return from + (long) (rng.uniform() * (to - from));
    }

    /** A UTC offset weighted towards where API users are. */
    static int utcOffset(Rng rng) {
        int[] offsets = {-8, -7, -6, -5, -5, -5, -4, -3, 0, 1, 1, 1, 2, 3, 5, 8, 9, 9, 10};
        return offsets[rng.nextInt(offsets.length)];
    }
}
