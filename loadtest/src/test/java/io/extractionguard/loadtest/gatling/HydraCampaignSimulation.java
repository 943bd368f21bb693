package io.extractionguard.loadtest.gatling;

import io.gatling.javaapi.core.Simulation;

/** A templated hydra campaign only: at most 10% of its requests may reach the model. */
public class HydraCampaignSimulation extends Simulation {
    {
        LoadSettings s = LoadSettings.fromSystemProperties();
        setUp(GuardScenarios.warmup(s).andThen(GuardScenarios.campaign(s)))
                .protocols(GuardScenarios.protocol(s))
                .assertions(GuardScenarios.campaignIsStopped());
    }
}
