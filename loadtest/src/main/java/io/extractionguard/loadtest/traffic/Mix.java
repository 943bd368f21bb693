package io.extractionguard.loadtest.traffic;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much of a trace each population makes up, and for how long the trace runs. {@code default}
 * is the mix the shipped policy was tuned on; {@code holdout} differs in proportions, campaign
 * tactics (more clusters, more mixed-in ordinary requests, more paraphrased reasoning asks) and
 * uses template bank B; {@code fresh} differs again and uses template bank C, written and first
 * evaluated only after the policy's last change; {@code unseen} uses bank D and its own slow-campaign
 * wording, written blind before the structural recognition of issue 4 (docs/evaluation.md tells what
 * was seen when).
 *
 * @param name   mix name
 * @param days   trace duration
 * @param bank   the campaign template bank, 'A', 'B' or 'C'
 * @param shares population to its share of requests
 * @param extras families added to a mix after it was published, each as its share of the shares' requests, on
 *               random streams of their own ({@link TraceGenerator}): every other line of the trace stays byte for
 *               byte what it was, so a blind family's evaluation changes nothing else
 */
record Mix(String name, double days, char bank, Map<Population, Double> shares, Map<Population, Double> extras) {

    Mix(String name, double days, char bank, Map<Population, Double> shares) {
        this(name, days, bank, shares, Map.of());
    }

    static Mix named(String name) {
        return switch (name) {
            case "default" -> defaultMix();
            case "holdout" -> holdout();
            case "fresh" -> fresh();
            case "unseen" -> unseen();
            case "adaptive" -> adaptive();
            default -> throw new IllegalArgumentException("unknown mix '" + name + "' (default, holdout, fresh, unseen, adaptive)");
        };
    }

    static Mix defaultMix() {
        Map<Population, Double> m = new LinkedHashMap<>();
        m.put(new Organic.General(), 0.30);
        m.put(new Organic.Coders(), 0.16);
        m.put(new HardCases.Ide(), 0.06);
        m.put(new HardCases.EvalHarness(), 0.03);
        m.put(new HardCases.Company(), 0.01);
        m.put(new HardCases.Campus(), 0.015);
        m.put(new HardCases.NewAccounts(), 0.015);
        m.put(new Campaigns.Hydra(3, 0.12), 0.25);
        m.put(new Campaigns.LowAndSlow(0.4, 0.25), 0.06);
        m.put(new Campaigns.Grader(), 0.06);
        m.put(new Campaigns.Harvester(), 0.03);
        return new Mix("default", 2, 'A', m);
    }

    static Mix holdout() {
        Map<Population, Double> m = new LinkedHashMap<>();
        m.put(new Organic.General(), 0.40);
        m.put(new Organic.Coders(), 0.20);
        m.put(new HardCases.Ide(), 0.05);
        m.put(new HardCases.EvalHarness(), 0.04);
        m.put(new HardCases.Company(), 0.015);
        m.put(new HardCases.Campus(), 0.025);
        m.put(new HardCases.NewAccounts(), 0.02);
        m.put(new Campaigns.Hydra(5, 0.2), 0.15);
        m.put(new Campaigns.LowAndSlow(0.5, 0.35), 0.06);
        m.put(new Campaigns.Grader(), 0.025);
        m.put(new Campaigns.Harvester(), 0.015);
        return new Mix("holdout", 3, 'B', m);
    }

    static Mix fresh() {
        Map<Population, Double> m = new LinkedHashMap<>();
        m.put(new Organic.General(), 0.45);
        m.put(new Organic.Coders(), 0.17);
        m.put(new HardCases.Ide(), 0.05);
        m.put(new HardCases.EvalHarness(), 0.03);
        m.put(new HardCases.Company(), 0.02);
        m.put(new HardCases.Campus(), 0.03);
        m.put(new HardCases.NewAccounts(), 0.03);
        m.put(new Campaigns.Hydra(4, 0.15), 0.11);
        m.put(new Campaigns.LowAndSlow(0.45, 0.30), 0.06);
        m.put(new Campaigns.Grader(), 0.03);
        m.put(new Campaigns.Harvester(), 0.02);
        return new Mix("fresh", 2.5, 'C', m);
    }

    static Mix unseen() {
        Map<Population, Double> m = new LinkedHashMap<>();
        m.put(new Organic.General(), 0.42);
        m.put(new Organic.Coders(), 0.18);
        m.put(new HardCases.Ide(), 0.05);
        m.put(new HardCases.EvalHarness(), 0.035);
        m.put(new HardCases.Company(), 0.02);
        m.put(new HardCases.Campus(), 0.03);
        m.put(new HardCases.NewAccounts(), 0.025);
        m.put(new Campaigns.Hydra(4, 0.18), 0.12);
        m.put(new Campaigns.LowAndSlow(1.0, 0.35), 0.06);
        m.put(new Campaigns.Grader(), 0.025);
        m.put(new Campaigns.Harvester(), 0.02);
        return new Mix("unseen", 2.5, 'D', m);
    }

    /**
     * Campaigns that have read the docs (issue 16, {@link Adaptive}) among organic traffic, every hard
     * case, and the legitimate groups that share a campaign's structure ({@link SharedShapes}).
     * Written blind: families, hard cases and shares were fixed before the mix was first evaluated.
     */
    static Mix adaptive() {
        Map<Population, Double> m = new LinkedHashMap<>();
        m.put(new Organic.General(), 0.30);
        m.put(new Organic.Coders(), 0.14);
        m.put(new HardCases.Ide(), 0.04);
        m.put(new HardCases.EvalHarness(), 0.025);
        m.put(new HardCases.Company(), 0.01);
        m.put(new HardCases.Campus(), 0.015);
        m.put(new HardCases.NewAccounts(), 0.015);
        m.put(new SharedShapes.OrgTeam(), 0.015);
        m.put(new SharedShapes.SmallCompany(), 0.008);
        m.put(new SharedShapes.Classroom(), 0.015);
        m.put(new SharedShapes.JudgeProduct(), 0.02);
        m.put(new SharedShapes.IdeVendor(), 0.03);
        m.put(new Adaptive.Padded(), 0.04);
        m.put(new Adaptive.ShortBudget(), 0.04);
        m.put(new Adaptive.MimicIde(), 0.035);
        m.put(new Adaptive.MimicHarness(), 0.035);
        m.put(new Adaptive.JudgeFarm(), 0.04);
        m.put(new Adaptive.Warmed(), 0.035);
        m.put(new Adaptive.CardEach(), 0.03);
        m.put(new Adaptive.Paraphrase(), 0.04);
        m.put(new Adaptive.Paced(), 0.035);
        m.put(new Adaptive.Continued(), 0.04); // blind round of 2026-12-07 (faked continuations)
        m.put(new Adaptive.HistoryStuffed(), 0.04); // blind round of 2026-12-07 (problem in the claimed history)
        Map<Population, Double> extras = new LinkedHashMap<>();
        extras.put(new Adaptive.ToolSmuggled(), 0.04); // blind round of 2026-12-08 (problem in a tool result)
        return new Mix("adaptive", 2, 'D', m, extras);
    }
}
