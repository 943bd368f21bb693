package io.extractionguard.loadtest.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.loadtest.eval.EvaluationReport.Figures;
import io.extractionguard.loadtest.traffic.TraceGenerator;

/**
 * CI's evaluation: a small seeded trace (40,000 requests of the default mix) through the shipped
 * policy and the plain per-key limiter. It asserts the goals, the low-and-slow one (60%)
 * included: since reasoning asks are recognised by their construction, slow campaigns are caught
 * at this size too (about 85% here; docs/evaluation.md has the 200,000-request figures and the
 * mixes the policy was not tuned on).
 */
class EvaluationTest {

    @TempDir
    static Path dir;

    static EvaluationReport report;

    @BeforeAll
    static void evaluate() throws Exception {
        Path trace = dir.resolve("ci.jsonl");
        TraceGenerator.generate(trace, 4, "default", 40_000);
        report = Evaluation.run(trace, new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml")), 2);
    }

    @Test
    void hydraClustersAreStoppedWithinTheirFirstFewRequestsWhereTheLimiterLetsEverythingThrough() {
        Figures guard = report.population("campaign/hydra").guard();
        Figures plain = report.population("campaign/hydra").baseline();
        assertThat(guard.rejectedShare()).isGreaterThanOrEqualTo(0.95);
        assertThat(guard.medianUntilRejected()).isLessThanOrEqualTo(5);
        assertThat(plain.forwardedShare()).isGreaterThan(0.99);
    }

    @Test
    void slowCampaignsGraderAccountsAndTheHarvesterAreRejectedFarMoreThanByTheLimiter() {
        assertThat(report.population("campaign/low-slow").guard().rejectedShare()).isGreaterThanOrEqualTo(0.6);
        assertThat(report.population("campaign/grader").guard().rejectedShare()).isGreaterThan(0.9);
        assertThat(report.population("campaign/harvester").guard().rejectedShare()).isGreaterThan(0.9);
        for (String campaign : new String[]{"campaign/low-slow", "campaign/grader", "campaign/harvester"}) {
            assertThat(report.population(campaign).baseline().rejectedShare()).as(campaign).isLessThan(0.05);
        }
    }

    @Test
    void organicTrafficAndTheLegitimateHardCasesPass() {
        assertThat(report.goals()).filteredOn(g -> g.name().startsWith("organic") || g.name().startsWith("hard"))
                .hasSize(4).allMatch(EvaluationReport.Goal::met);
        assertThat(report.problems()).isEmpty();
    }

    @Test
    void theReportPrintsEveryPopulationNextToThePlainLimiterAndTheGoals() {
        String text = report.toText();
        assertThat(text).contains("plain per-key limiter", "campaign/hydra", "hard/eval-harness", "organic/general",
                "[PASS] hydra: requests rejected");
    }
}
