package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.campaign.AccountObservation;
import io.extractionguard.engine.campaign.AccountRules;
import io.extractionguard.engine.campaign.AccountState;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.campaign.IndicatorEvidence;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.campaign.RequestIndicators;

/**
 * The account records replicas exchange: applying a change directly and applying its decoded record
 * leave two stores in the same state; malformed batches are rejected.
 */
class CampaignRecordsTest {

    private static final long T0 = Instant.parse("2026-03-02T12:00:00Z").toEpochMilli();
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(T0 + 60_000), ZoneOffset.UTC);
    private static final AccountRules RULES = new AccountRules(2, 0.25, 6);
    /** The policy's follow-up ramp: a continuation whose new turn has more than 160 characters is standalone. */
    private static final AccountRules FOLLOW_UP = new AccountRules(2, 0.25, 6, 80, 160);

    /** One campaign-shaped request's account and indicator changes, applied to {@code store} and, encoded, appended to {@code records}. */
    private static void request(CampaignStore store, List<byte[]> records, long account, long[] values, long at, int step,
                                AccountRules rules) {
        // each step continues the previous one's conversation (same root, two more turns, all of it as history)
        AccountObservation o = new AccountObservation(at, 0.9, 0.8, 77L, 88L,
                new RequestIndicators.Conversation(1 + 2 * step, 500L * step, 500L * step + 200, 0xabcL));
        store.observeAccount(account, o, rules);
        records.add(CampaignRecords.account(account, o, rules));
        store.observeIndicators(account, values, 0.9, 3_600_000, at);
        records.add(CampaignRecords.indicators(account, values, 0.9, 3_600_000, at));
    }

    @Test
    void aStoreFedTheDecodedRecordsAnswersLikeTheStoreThatMadeThem() {
        assertThat(foldedLikeTheOrigin(RULES).continuedShare()).as("every continuation converses without a ramp")
                .isGreaterThan(0.3);
    }

    @Test
    void aFoldedContinuationIsJudgedByTheFollowUpRampItWasReadWith() {
        // each continuation's new turn has 200 characters: a whole new problem under the ramp, so the account does
        // not converse; a replica folding the records without the ramp would give it the conversing discount
        assertThat(foldedLikeTheOrigin(FOLLOW_UP).continuedShare()).isLessThan(0.05);
    }

    /** A cluster's records applied on the replica that made them and, decoded, on another: both answer alike. */
    private AccountState foldedLikeTheOrigin(AccountRules rules) {
        InMemoryCampaignStore origin = new InMemoryCampaignStore(clock);
        InMemoryCampaignStore replica = new InMemoryCampaignStore(clock);
        Random random = new Random(7);
        long card = 0x5eedL;
        List<byte[]> records = new ArrayList<>();
        long account0 = 0;
        for (int a = 0; a < 12; a++) {
            long[] values = new long[IndicatorKind.count()];
            values[IndicatorKind.PAYMENT.ordinal()] = card;
            long account = random.nextLong();
            account0 = a == 0 ? account : account0;
            for (int r = 0; r < 3; r++) {
                request(origin, records, account, values, T0 + a * 1000L + r * 100L, r, rules);
            }
        }

        byte[] batch = CampaignRecords.batch("replica-a", records);
        assertThat(CampaignRecords.replicaOf(batch)).isEqualTo("replica-a");
        byte[] header = CampaignRecords.header("replica-a");
        assertThat(Arrays.copyOf(batch, header.length)).as("every batch of a replica starts with its header").isEqualTo(header);
        assertThat(Arrays.copyOf(CampaignRecords.batch("replica-ab", records), header.length)).isNotEqualTo(header);
        assertThat(CampaignRecords.apply(batch, replica)).isEqualTo(records.size());

        // a fresh account's first request sees the same evidence on both
        long fresh = 0x0123_4567_89abL;
        long[] values = new long[IndicatorKind.count()];
        values[IndicatorKind.PAYMENT.ordinal()] = card;
        long at = T0 + 30_000;
        AccountObservation o = new AccountObservation(at, 1, 0.8, 1, 2);
        AccountState s1 = origin.observeAccount(fresh, o, rules);
        assertThat(replica.observeAccount(fresh, o, rules)).isEqualTo(s1);
        // and a known account's conversation history (its continued share) travelled with its records
        AccountState known1 = origin.observeAccount(account0, o, rules);
        assertThat(replica.observeAccount(account0, o, rules)).isEqualTo(known1);
        IndicatorEvidence p1 = origin.observeIndicators(fresh, values, 0, 3_600_000, at)[IndicatorKind.PAYMENT.ordinal()];
        IndicatorEvidence p2 = replica.observeIndicators(fresh, values, 0, 3_600_000, at)[IndicatorKind.PAYMENT.ordinal()];
        assertThat(p2).isEqualTo(p1);
        assertThat(p1.otherSuspicion()).isGreaterThan(10);
        assertThat(replica.accountCount()).isEqualTo(origin.accountCount());
        return known1;
    }

    @Test
    void recordsAreCompact() {
        assertThat(CampaignRecords.account(1, new AccountObservation(T0, 1, 1, 1, 1), RULES).length).isEqualTo(73);
        assertThat(CampaignRecords.account(1, new AccountObservation(T0, 1, 1, 1, 1,
                new RequestIndicators.Conversation(3, 10, 20, 5)), RULES).length).isEqualTo(101);
        assertThat(CampaignRecords.account(1, new AccountObservation(T0, 1, 1, 1, 1,
                new RequestIndicators.Conversation(3, 10, 20, 5)), FOLLOW_UP).length).as("with its ramp").isEqualTo(117);
        assertThat(CampaignRecords.indicators(1, new long[0], 0.5, 1, T0).length).as("a suspicion record").isEqualTo(34);
    }

    @Test
    void aTruncatedOrUnknownBatchIsRejectedNotMisread() {
        byte[] batch = CampaignRecords.batch("r", List.of(CampaignRecords.indicators(1, new long[0], 0.5, 1, T0),
                CampaignRecords.account(1, new AccountObservation(T0, 1, 1, 1, 1), RULES)));
        InMemoryCampaignStore store = new InMemoryCampaignStore(clock);
        assertThatThrownBy(() -> CampaignRecords.apply(Arrays.copyOf(batch, batch.length - 3), store))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        byte[] future = batch.clone();
        future[0] = 99;
        assertThatThrownBy(() -> CampaignRecords.apply(future, store))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
    }
}
