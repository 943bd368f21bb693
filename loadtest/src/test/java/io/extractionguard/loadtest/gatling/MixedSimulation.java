package io.extractionguard.loadtest.gatling;

import io.gatling.javaapi.core.Simulation;

/**
 * Organic traffic and a hydra campaign at the same time (what {@code ./guard loadtest} runs): organic
 * requests get through within the p99 bound while the campaign is stopped.
 */
public class MixedSimulation extends Simulation {
    {
        LoadSettings s = LoadSettings.fromSystemProperties();
        setUp(GuardScenarios.warmup(s).andThen(GuardScenarios.organic(s), GuardScenarios.campaign(s)))
                .protocols(GuardScenarios.protocol(s))
                .assertions(GuardScenarios.organicSucceeds(), GuardScenarios.campaignIsStopped(),
                        GuardScenarios.organicP99(s));
    }
}
