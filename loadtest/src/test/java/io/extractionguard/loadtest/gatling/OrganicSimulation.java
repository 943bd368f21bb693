package io.extractionguard.loadtest.gatling;

import io.gatling.javaapi.core.Simulation;

/** Organic traffic only: everything must reach the model within the p99 bound. */
public class OrganicSimulation extends Simulation {
    {
        LoadSettings s = LoadSettings.fromSystemProperties();
        setUp(GuardScenarios.warmup(s).andThen(GuardScenarios.organic(s)))
                .protocols(GuardScenarios.protocol(s))
                .assertions(GuardScenarios.organicSucceeds(), GuardScenarios.organicP99(s));
    }
}
