package io.extractionguard.loadtest.eval;

import static org.assertj.core.api.Assertions.assertThat;

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

    @BeforeAll
    static void evaluate() throws Exception {
        Path trace = dir.resolve("adaptive.jsonl");
        TraceGenerator.generate(trace, 4, "adaptive", 20_000);
        report = Evaluation.run(trace, new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml")), 2);
    }

    @Test
    void clustersConvictedOnTheirShapeAreStoppedWhereThePlainLimiterLetsThemThrough() {
        for (String family : new String[]{"campaign/judge-farm", "campaign/short-budget", "campaign/paced",
                "campaign/mimic-ide"}) {
            EvaluationReport.Population p = report.population(family);
            assertThat(p.guard().forwardedShare()).as(family).isLessThan(family.endsWith("judge-farm") ? 0.3 : 0.15);
            assertThat(p.baseline().forwardedShare()).as(family).isGreaterThan(0.99);
            assertThat(report.price(family).multiplier()).as(family).isGreaterThan(family.endsWith("judge-farm") ? 2 : 20);
        }
    }

    @Test
    void legitimateGroupsOfACampaignsShapeAreNeverChallengedOrBlocked() {
        for (String hard : new String[]{"hard/classroom", "hard/org-team", "hard/small-company", "hard/judge-product",
                "hard/ide-vendor", "hard/campus", "hard/eval-harness", "hard/ide"}) {
            assertThat(report.population(hard).guard().accountsChallengedOrBlocked()).as(hard).isZero();
        }
        assertThat(report.goals()).filteredOn(g -> g.name().startsWith("organic") || g.name().startsWith("hard"))
                .allMatch(EvaluationReport.Goal::met);
    }

    @Test
    void everyAdaptiveFamilyIsPricedInTheReport() {
        assertThat(report.prices()).extracting(PriceOfAttack::label).contains("campaign/padded", "campaign/short-budget",
                "campaign/mimic-ide", "campaign/mimic-harness", "campaign/judge-farm", "campaign/warmed",
                "campaign/card-each", "campaign/paraphrase", "campaign/paced");
        assertThat(report.toText()).contains("price of attack", "multiplier");
    }
}
