package io.extractionguard.gateway.state.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.TemplateBucket;
import io.extractionguard.engine.memory.InMemoryCampaignStore;

/**
 * Folds the fleet-wide state a campaign key answered with ({@link CampaignScripts}: flat HGETALL replies)
 * into an {@link InMemoryCampaignStore}: this replica's local store after a batch, or a listing's
 * throw-away store.
 */
final class CampaignReplies {

    private CampaignReplies() {
    }

    /** Payload bytes (fields and values) of a flat reply. */
    static long payload(Object reply) {
        long n = 0;
        for (Object o : (List<?>) reply) {
            n += o instanceof byte[] b ? b.length : 0;
        }
        return n;
    }

    /** A value's sample as answered: sampling hashes and suspicions, index for index. */
    record Sample(long[] hashes, float[] suspicions) {
    }

    /** Folds a value hash (flat HGETALL reply: account hex → "suspicion,at") into the local store; returns the sample. */
    static Sample foldValue(InMemoryCampaignStore target, long value, Object reply) {
        List<?> flat = (List<?>) reply;
        long[] hashes = new long[flat.size() / 2];
        float[] suspicions = new float[hashes.length];
        int n = 0;
        IndicatorKind kind = null;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = string(flat.get(i));
            String v = string(flat.get(i + 1));
            if (field.equals("k")) {
                kind = IndicatorKind.of(Integer.parseInt(v));
            } else if (field.length() == 16) {
                hashes[n] = Long.parseUnsignedLong(field, 16);
                suspicions[n++] = Float.parseFloat(v.substring(0, v.indexOf(',')));
            }
        }
        Sample sample = new Sample(Arrays.copyOf(hashes, n), Arrays.copyOf(suspicions, n));
        if (n > 0 || kind != null) {
            target.foldValue(value, kind, sample.hashes(), sample.suspicions());
        }
        return sample;
    }

    /** Folds a bucket hash (flat HGETALL reply) into the local store; an empty reply (no such bucket) folds nothing. */
    static void foldBucket(InMemoryCampaignStore target, long key, Object reply) {
        List<?> flat = (List<?>) reply;
        if (flat.isEmpty()) {
            return;
        }
        byte[] representative = null;
        boolean matched = false;
        double r = 0;
        double c = 0;
        double p = 0;
        long t = 0;
        long[] members = new long[flat.size() / 2];
        int n = 0;
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = string(flat.get(i));
            byte[] value = (byte[]) flat.get(i + 1);
            switch (field) {
                case "s" -> representative = value;
                case "m" -> matched = true;
                case "r" -> r = Double.parseDouble(string(value));
                case "c" -> c = Double.parseDouble(string(value));
                case "p" -> p = Double.parseDouble(string(value));
                case "t" -> t = (long) Double.parseDouble(string(value));
                default -> {
                    if (field.length() == 16) {
                        members[n++] = Long.parseUnsignedLong(field, 16);
                    }
                }
            }
        }
        target.foldBucket(key, new TemplateBucket.Fleet(representative, matched, Arrays.copyOf(members, n),
                r, c, p, t));
    }

    static String string(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
