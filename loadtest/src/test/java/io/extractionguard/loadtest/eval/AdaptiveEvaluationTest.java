package io.extractionguard.loadtest.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.loadtest.traffic.TraceGenerator;

/**
 * CI's adaptive evaluation (issue 16): a small seeded trace of the {@code adaptive} mix (20,000
 * requests, seed 4, a seed the policy was not tuned on) through the shipped policy. Small clusters
 * are caught later than the 200,000-request ones (docs/evaluation.md), so the bounds here have
 * margin; what must hold at any size is that no legitimate group of a campaign's shape is touched.
 */
class AdaptiveEvaluationTest {

    @TempDir
    static Path dir;

    static EvaluationReport report;
    static Path trace;

    @BeforeAll
    static void evaluate() throws Exception {
        trace = dir.resolve("adaptive.jsonl");
        TraceGenerator.generate(trace, 4, "adaptive", 20_000);
        report = Evaluation.run(trace, new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml")), 2);
    }

    /** The same trace under the shipped policy with {@code regex} replaced (it must change something). */
    private static EvaluationReport underShippedPolicyWith(String what, String regex, String replacement) throws Exception {
        String text = Files.readString(Path.of("..", "config", "policies", "default.yaml"));
        String changed = text.replaceAll(regex, replacement);
        assertThat(changed).as(what).isNotEqualTo(text);
        return Evaluation.run(trace, new PolicyLoader().load("changed.yaml", changed.getBytes(StandardCharsets.UTF_8)), 2);
    }

    @Test
    void clustersConvictedOnTheirShapeAreStoppedWhereThePlainLimiterLetsThemThrough() {
        for (String family : new String[]{"campaign/judge-farm", "campaign/short-budget", "campaign/paced",
                "campaign/mimic-ide", "campaign/continued"}) {
            EvaluationReport.Population p = report.population(family);
            assertThat(p.guard().forwardedFullShare()).as(family).isLessThan(0.15);
            assertThat(p.baseline().forwardedShare()).as(family).isGreaterThan(0.99);
            // the judge farm's creation batches link across hour windows (policy 2026-12-07.6; 3.8x with 15-minute ones)
            assertThat(report.price(family).multiplier()).as(family).isGreaterThan(20);
        }
    }

    @Test
    void legitimateGroupsOfACampaignsShapeAreNeverChallengedBlockedOrDegraded() {
        for (String hard : new String[]{"hard/classroom", "hard/org-team", "hard/small-company", "hard/judge-product",
                "hard/ide-vendor", "hard/campus", "hard/eval-harness", "hard/ide"}) {
            assertThat(report.population(hard).guard().accountsChallengedOrBlocked()).as(hard).isZero();
            assertThat(report.population(hard).guard().accountsDegraded()).as(hard).isZero();
        }
        assertThat(report.goals()).extracting(EvaluationReport.Goal::name).contains("organic: accounts ever degraded");
        assertThat(report.goals()).filteredOn(g -> g.name().startsWith("organic") || g.name().startsWith("hard"))
                .allMatch(EvaluationReport.Goal::met);
    }

    @Test
    void aSolvedChallengeThatLeavesTheReasoningWithheldIsPricedAsWithheld() throws Exception {
        EvaluationReport full = underShippedPolicyWith("the shipped challenge band degrades its passes",
                "(?m)^\\s+(thinking-budget|reasoning-effort|max-choices): .*\\n", "");
        boolean dearer = false;
        for (PriceOfAttack price : report.prices()) {
            double restored = full.price(price.label()).multiplier();
            assertThat(price.multiplier()).as(price.label()).isGreaterThanOrEqualTo(restored);
            dearer |= price.multiplier() > restored * 1.05;
        }
        assertThat(dearer).as("some family's challenged requests asked for reasoning through the API").isTrue();
    }

    @Test
    void everyAdaptiveFamilyIsPricedInTheReport() {
        assertThat(report.prices()).extracting(PriceOfAttack::label).contains("campaign/padded", "campaign/short-budget",
                "campaign/mimic-ide", "campaign/mimic-harness", "campaign/judge-farm", "campaign/warmed",
                "campaign/card-each", "campaign/paraphrase", "campaign/paced", "campaign/continued",
                "campaign/history-stuffed", "campaign/tool-smuggled");
        assertThat(report.toText()).contains("price of attack", "multiplier");
    }

    @Test
    void aWarmedFamilysHarvestIsReportedApartFromItsWarmUp() {
        double harvest = report.groupForwardedFullShare("campaign/warmed", "harvest");
        double warmUp = report.groupForwardedFullShare("campaign/warmed", "warm-up");
        assertThat(harvest).isLessThan(warmUp);
        assertThat(report.toText()).contains("campaign/warmed harvest", "campaign/card-each mix-in");
    }

    @Test
    void accountsWithoutReputationHarvestingOneCardEachAreAnsweredWithoutTheirReasoning() throws Exception {
        EvaluationReport off = underShippedPolicyWith("the shipped policy has a reputation degrade",
                "(?m)^\\s+reputation: .*\\n", "");
        EvaluationReport.Population on = report.population("campaign/card-each");
        assertThat(on.guard().accountsDegraded()).isGreaterThan(off.population("campaign/card-each").guard().accountsDegraded());
        assertThat(report.groupForwardedFullShare("campaign/card-each", "harvest"))
                .isLessThan(off.groupForwardedFullShare("campaign/card-each", "harvest") - 0.05);
    }

    @Test
    void problemsHiddenInAnInventedEarlierUserTurnLoseTheConversingDiscountOnlyWhenHistoryIsVerified() throws Exception {
        EvaluationReport taken = underShippedPolicyWith("the shipped policy verifies claimed history",
                "(?m)^(\\s+)claimed-history: read", "$1claimed-history: off");
        double verified = report.groupForwardedFullShare("campaign/history-stuffed", "in-user");
        assertThat(verified).isLessThan(0.25); // 10.8% at this size (seed 4), 100% without verification
        assertThat(taken.groupForwardedFullShare("campaign/history-stuffed", "in-user")).isGreaterThan(verified + 0.3);
    }

    /**
     * Policy 2026-12-08.2: the reputation step degrades from strength 0.1 and convicts on 0.15 → 0.45 (was 0.3 and
     * 0.3 → 0.6), which org vouching made affordable for the research team. On this trace every {@code card-each}
     * account is blocked (9 of 11 with the old thresholds) and its harvest's full share falls (58.8% from 64.5%).
     */
    @Test
    void anEarlierReputationStepBurnsEveryCardEachAccountAndWithholdsMoreOfItsHarvest() throws Exception {
        EvaluationReport before = underShippedPolicyWith("the shipped reputation thresholds",
                "(?m)^(\\s+reputation: .*), at: [0-9.]+, weight: (\\d+), convict: \\{ low: [0-9.]+, high: [0-9.]+ \\}",
                "$1, at: 0.3, weight: $2, convict: { low: 0.3, high: 0.6 }");
        EvaluationReport.Population on = report.population("campaign/card-each");
        assertThat(on.guard().accountsBlocked()).isEqualTo(on.accounts());
        assertThat(before.population("campaign/card-each").guard().accountsBlocked()).isLessThan(on.accounts());
        assertThat(report.groupForwardedFullShare("campaign/card-each", "harvest"))
                .isLessThan(before.groupForwardedFullShare("campaign/card-each", "harvest") - 0.03);
    }

    /**
     * Policy 2026-12-07.5: sustained reputation evidence convicts (points up to the block band), so the
     * campaign loses the accounts and must replace them; a degrade alone left them harvesting.
     */
    @Test
    void sustainedReputationEvidenceBurnsTheAccountsADegradeAloneLeftHarvesting() throws Exception {
        EvaluationReport off = underShippedPolicyWith("the shipped reputation step has points",
                "(?m)^(\\s+reputation: .*), weight: \\d+(\\.\\d+)?,", "$1, weight: 0,");
        EvaluationReport.Population on = report.population("campaign/card-each");
        assertThat(on.guard().accountsBlocked())
                .isGreaterThan(off.population("campaign/card-each").guard().accountsBlocked() + on.accounts() / 2);
        assertThat(report.price("campaign/card-each").multiplier())
                .isGreaterThan(2 * off.price("campaign/card-each").multiplier());
    }

    /**
     * Policy 2026-12-08.3: an aged account's age stops counting as reputation once its recent requests come through
     * six or more networks, and the reputation step reads its recent content as well as its day mean, so a warmed
     * account that switches to harvesting through rotating home addresses is degraded and convicted within a few
     * requests instead of after its warm-up has decayed out of the day mean. No campaign family fares better for it.
     */
    @Test
    void aWarmedAccountThatStartsHarvestingThroughRotatingAddressesLosesItsAgesReputation() throws Exception {
        EvaluationReport before = underShippedPolicyWith("the shipped reputation reads rotation and recent content",
                "(?m)^(\\s+reputation: .*), rotation: \\{ low: [0-9.]+, high: [0-9.]+ \\}, content-mean: latest", "$1");
        double harvest = report.groupForwardedFullShare("campaign/warmed", "harvest");
        // 16.4% from 21.0% at this size (seed 4); 5-6% from 10.3% at 200,000 requests
        assertThat(harvest).isLessThan(before.groupForwardedFullShare("campaign/warmed", "harvest") - 0.03);
        for (EvaluationReport.Population p : report.populations()) {
            EvaluationReport.Population b = before.population(p.label());
            if (p.label().startsWith("campaign/")) {
                assertThat(p.guard().forwardedFullShare()).as(p.label()).isLessThanOrEqualTo(b.guard().forwardedFullShare());
            }
        }
    }
}
