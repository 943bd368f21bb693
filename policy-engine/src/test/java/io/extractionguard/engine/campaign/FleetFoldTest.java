package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Folding the fleet's state into a replica's (what a partitioned shared store does with what it reads
 * back): a value folded from another replica's accounts answers like one value that saw them all, and
 * folding the same state again changes nothing; a template bucket that folds the fleet's counters
 * (which include its own cut) counts nothing twice.
 */
class FleetFoldTest {

    private static long account(int i) {
        return Indicators.accountHash("acct-" + i);
    }

    @Test
    void aValueFoldedFromAnotherReplicaAnswersLikeOneThatSawEveryAccountAndFoldingTwiceChangesNothing() {
        IndicatorRecord all = new IndicatorRecord();
        IndicatorRecord here = new IndicatorRecord();
        long[] elsewhere = new long[40];
        float[] suspicions = new float[40];
        for (int i = 0; i < 80; i++) {
            float s = (i % 7) / 10f;
            all.apply(IndicatorKind.PAYMENT, account(i), s);
            if (i < 40) {
                here.apply(IndicatorKind.PAYMENT, account(i), s);
            } else {
                elsewhere[i - 40] = AccountSample.key(account(i));
                suspicions[i - 40] = s;
            }
        }
        here.publishRarity(0.5f); // the correlator has seen the value
        assertThat(here.fold(IndicatorKind.PAYMENT, elsewhere, suspicions)).as("accounts joined: queue it again").isTrue();
        assertThat(here.fold(IndicatorKind.PAYMENT, elsewhere, suspicions)).as("already queued").isFalse();
        IndicatorEvidence expected = all.apply(IndicatorKind.PAYMENT, account(999), 0);
        IndicatorEvidence folded = here.apply(IndicatorKind.PAYMENT, account(999), 0);
        assertThat(folded.otherMembers()).isEqualTo(expected.otherMembers());
        assertThat(folded.otherSuspicion()).isCloseTo(expected.otherSuspicion(), within(1e-5));
        assertThat(folded.distinct()).isEqualTo(expected.distinct());
    }

    @Test
    void aBucketFoldingTheFleetsCountersCountsItsOwnCutOnceAndTheOthersFully() {
        byte[] sketch = new byte[32];
        TemplateBucket a = new TemplateBucket();
        TemplateBucket b = new TemplateBucket();
        TemplateBucket all = new TemplateBucket();
        long t = 1_000_000;
        for (int i = 0; i < 6; i++) {
            a.apply(account(i), sketch, 0.5, 0.8, t + i);
            all.apply(account(i), sketch, 0.5, 0.8, t + i);
        }
        for (int i = 6; i < 10; i++) {
            b.apply(account(i), sketch, 0.5, 0.4, t + i);
            all.apply(account(i), sketch, 0.5, 0.4, t + i);
        }
        TemplateBucket.Cut ca = a.cut();
        TemplateBucket.Cut cb = b.cut();
        assertThat(a.cut()).as("nothing added since").isNull();
        // the fleet's bucket: both cuts merged (as the shared store's script does: same time base here)
        long[] accounts = new long[ca.accounts().length + cb.accounts().length];
        System.arraycopy(ca.accounts(), 0, accounts, 0, ca.accounts().length);
        System.arraycopy(cb.accounts(), 0, accounts, ca.accounts().length, cb.accounts().length);
        TemplateBucket.Fleet fleet = new TemplateBucket.Fleet(ca.representative(), true, accounts,
                ca.requests() * Math.exp((ca.atMillis() - (double) cb.atMillis()) / TemplateBucket.DAY_MS) + cb.requests(),
                ca.content() * Math.exp((ca.atMillis() - (double) cb.atMillis()) / TemplateBucket.DAY_MS) + cb.content(),
                0, cb.atMillis());
        a.fold(fleet);
        a.apply(account(50), sketch, 0.5, 0.8, t + 20); // a request after the fold, not yet cut
        a.fold(fleet); // the same state again: the uncut request stays, nothing doubles
        all.apply(account(50), sketch, 0.5, 0.8, t + 20);
        TemplateStats expected = all.stats(account(99), t + 30);
        TemplateStats folded = a.stats(account(99), t + 30);
        assertThat(folded.requests()).isCloseTo(expected.requests(), within(1e-6));
        assertThat(folded.heat()).isCloseTo(expected.heat(), within(1e-6));
        assertThat(folded.otherAccounts()).isEqualTo(expected.otherAccounts());
    }
}
