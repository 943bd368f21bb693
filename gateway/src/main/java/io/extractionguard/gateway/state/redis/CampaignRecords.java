package io.extractionguard.gateway.state.redis;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.campaign.RequestIndicators;

/**
 * The compact binary form of an account's campaign records, which replicas exchange through the
 * account's stream ({@link RedisCampaignStore}): one record per {@link CampaignStore} change of the
 * account (the arguments of {@code observeAccount}, and of {@code observeIndicators} — sent without
 * values, for the account's suspicion), in batches tagged with the replica that made them. A record
 * carries hashes, numbers and a timestamp only, never an account id, key or prompt. Big-endian; a
 * batch starts with a version byte, so the format can change.
 *
 * <pre>
 * batch      := version(1) replicaLen(1) replica(utf8) count(4) record*
 * ACCOUNT    := 2 account(8) at(8) templateStrength(8) content(8) client(8) network(8) sharePrior(8) maxCv(8) minGaps(8)
 * CONVERSED  := 6 (ACCOUNT's fields) turns(4) historyChars(8) totalChars(8) root(8)   (an account record with its conversation shape)
 * FOLLOWED   := 7 (CONVERSED's fields) followUpLow(8) followUpHigh(8)   (and the follow-up ramp it was read with)
 * INDICATORS := 3 account(8) at(8) suspicion(8) halfLife(8) n(1) value(8)*n
 * </pre>
 *
 * A continuation is shipped with the follow-up ramp of the rules it was read with ({@link AccountRules#followUp}),
 * so a replica folding it judges its new turn as the replica that saw it did; without a ramp (infinite bounds) it
 * stays a CONVERSED record, which builds before the ramp read. Builds before FOLLOWED reject a batch holding one
 * (unknown record kind): upgrade replicas together, as for the sketch version.
 *
 * Sizes: an account record is 73 bytes (101 with its conversation, 117 with its ramp), an indicator record without
 * values 34: about 110–140 bytes per request and account.
 */
public final class CampaignRecords {

    static final byte VERSION = 1;
    static final byte ACCOUNT = 2;
    static final byte INDICATORS = 3;
    static final byte CONVERSED = 6;
    static final byte FOLLOWED = 7;

    private CampaignRecords() {
    }

    public static byte[] account(long accountHash, AccountObservation o, AccountRules r) {
        RequestIndicators.Conversation c = o.conversation();
        boolean conversed = c.turns() > 0;
        boolean ramp = conversed && (Double.isFinite(r.followUpLow()) || Double.isFinite(r.followUpHigh()));
        byte kind = ramp ? FOLLOWED : conversed ? CONVERSED : ACCOUNT;
        ByteBuffer b = ByteBuffer.allocate(1 + 8 * 9 + (conversed ? 4 + 8 * 3 : 0) + (ramp ? 8 * 2 : 0)).put(kind)
                .putLong(accountHash).putLong(o.atMillis())
                .putDouble(o.templateStrength()).putDouble(o.content()).putLong(o.clientKey()).putLong(o.networkKey())
                .putDouble(r.sharePrior()).putDouble(r.maxCadenceCv()).putLong(r.minCadenceGaps());
        if (conversed) {
            b.putInt(c.turns()).putLong(c.historyChars()).putLong(c.totalChars()).putLong(c.root());
        }
        if (ramp) {
            b.putDouble(r.followUpLow()).putDouble(r.followUpHigh());
        }
        return b.array();
    }

    public static byte[] indicators(long accountHash, long[] values, double suspicion, double halfLifeMillis,
                                    long atMillis) {
        if (values.length > 255) {
            throw new IllegalArgumentException("indicator record too large: " + values.length + " values");
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 8 * 4 + 1 + 8 * values.length);
        b.put(INDICATORS).putLong(accountHash).putLong(atMillis).putDouble(suspicion).putDouble(halfLifeMillis)
                .put((byte) values.length);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** One batch: the replica's id and its records, in order. */
    public static byte[] batch(String replica, List<byte[]> records) {
        byte[] id = replica.getBytes(StandardCharsets.UTF_8);
        if (id.length > 255) {
            throw new IllegalArgumentException("replica id too long");
        }
        int size = 1 + 1 + id.length + 4;
        for (byte[] r : records) {
            size += r.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).put(VERSION).put((byte) id.length).put(id).putInt(records.size());
        records.forEach(b::put);
        return b.array();
    }

    /** The start of every batch {@code replica} writes (version, id length, id). */
    public static byte[] header(String replica) {
        byte[] id = replica.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + id.length).put(VERSION).put((byte) id.length).put(id).array();
    }

    /** The replica that wrote {@code batch}. */
    public static String replicaOf(byte[] batch) {
        ByteBuffer b = ByteBuffer.wrap(batch);
        version(b);
        byte[] id = new byte[b.get() & 0xFF];
        b.get(id);
        return new String(id, StandardCharsets.UTF_8);
    }

    /**
     * Applies every record of {@code batch} to {@code target}, in order.
     *
     * @return records applied
     * @throws IllegalArgumentException when the batch is malformed or of an unknown version (records
     *                                  before the malformed one have been applied)
     */
    public static int apply(byte[] batch, CampaignStore target) {
        ByteBuffer b = ByteBuffer.wrap(batch);
        try {
            version(b);
            int idLength = b.get() & 0xFF;
            b.position(b.position() + idLength);
            int count = b.getInt();
            for (int i = 0; i < count; i++) {
                applyOne(b, target);
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("campaign batch has " + b.remaining() + " trailing bytes");
            }
            return count;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("campaign batch is truncated", e);
        }
    }

    private static void version(ByteBuffer b) {
        byte v = b.get();
        if (v != VERSION) {
            throw new IllegalArgumentException("unknown campaign batch version " + v);
        }
    }

    private static void applyOne(ByteBuffer b, CampaignStore target) {
        byte kind = b.get();
        switch (kind) {
            case ACCOUNT, CONVERSED, FOLLOWED -> {
                long account = b.getLong();
                long at = b.getLong();
                double template = b.getDouble();
                double content = b.getDouble();
                long client = b.getLong();
                long network = b.getLong();
                double sharePrior = b.getDouble();
                double maxCv = b.getDouble();
                long minGaps = b.getLong();
                RequestIndicators.Conversation c = kind == ACCOUNT ? RequestIndicators.Conversation.NONE
                        : new RequestIndicators.Conversation(b.getInt(), b.getLong(), b.getLong(), b.getLong());
                AccountRules rules = kind == FOLLOWED
                        ? new AccountRules(sharePrior, maxCv, minGaps, b.getDouble(), b.getDouble())
                        : new AccountRules(sharePrior, maxCv, minGaps);
                target.observeAccount(account, new AccountObservation(at, template, content, client, network, c), rules);
            }
            case INDICATORS -> {
                long account = b.getLong();
                long at = b.getLong();
                double suspicion = b.getDouble();
                double halfLife = b.getDouble();
                target.observeIndicators(account, longs(b, b.get() & 0xFF), suspicion, halfLife, at);
            }
            default -> throw new IllegalArgumentException("unknown campaign record kind " + kind);
        }
    }

    private static long[] longs(ByteBuffer b, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getLong();
        }
        return out;
    }
}
