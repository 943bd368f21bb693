package io.extractionguard.engine.enforce;

import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.RequestIndicators;

/**
 * The linking values a sanction follows — to decide a campaign's members and to new accounts — as
 * kind-tagged 64-bit keys. Only values a campaign cannot share with ordinary users by accident:
 * payment instruments and system prompts that correlation counts as evidence (suspicious sharers,
 * discounted by rarity), and template buckets it rates strong ({@link #MIN_STRENGTH}) — the latter
 * only for harvesting-shaped requests ({@link #MIN_CONTENT}), so a user asking something similar in
 * an ordinary way is not swept in. Client fingerprints (one SDK version is shared by many),
 * networks, organisations, creation windows and timing are never followed.
 */
public final class SanctionKeys {

    /** A request's content score from which a template bucket of the campaign links it. */
    public static final double MIN_CONTENT = 0.5;

    private SanctionKeys() {
    }

    /** The link strength from which a template bucket is followed (a shared card or system prompt always is). */
    public static final double MIN_STRENGTH = 0.5;

    /** Whether values of {@code kind} (null: template buckets) are followed. */
    public static boolean followed(IndicatorKind kind) {
        return kind == null || kind == IndicatorKind.PAYMENT || kind == IndicatorKind.SYSTEM_PROMPT;
    }

    /** {@code key} of a value of {@code kind} (null: a template bucket), tagged with the kind. */
    public static long tag(IndicatorKind kind, long key) {
        return key ^ ((kind == null ? 0 : kind.ordinal() + 1) * 0x9E3779B97F4A7C15L);
    }

    /** Whether any followed value of this request is in {@code linking}. */
    public static boolean links(RequestIndicators r, java.util.Set<Long> linking) {
        for (IndicatorKind k : IndicatorKind.values()) {
            long v = r.value(k);
            if (v != 0 && followed(k) && linking.contains(tag(k, v))) {
                return true;
            }
        }
        if (r.content() >= MIN_CONTENT) {
            for (long t : r.templateKeys()) {
                if (linking.contains(tag(null, t))) {
                    return true;
                }
            }
        }
        return false;
    }
}
