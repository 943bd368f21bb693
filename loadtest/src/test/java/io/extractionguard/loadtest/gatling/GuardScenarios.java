package io.extractionguard.loadtest.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * The scenarios, protocol and pass/fail assertions every simulation is built from. A request
 * counts as successful when it reached the model (HTTP 200): organic traffic must get through,
 * campaign traffic must not.
 */
final class GuardScenarios {

    static final String ORGANIC = "organic";
    static final String CAMPAIGN = "campaign";
    static final String WARMUP = "warmup";

    private GuardScenarios() {
    }

    static HttpProtocolBuilder protocol(LoadSettings s) {
        return http.baseUrl(s.targetUrl())
                .contentTypeHeader("application/json")
                .acceptHeader("application/json")
                .shareConnections()
                .disableWarmUp();
    }

    /**
     * Organic requests from their own accounts, ramping up to the organic rate over {@code warmup}: the
     * gateway's JIT warms up before the measured populations start ({@code andThen}); not asserted on.
     */
    static PopulationBuilder warmup(LoadSettings s) {
        SplittableRandom rng = new SplittableRandom(s.seed() ^ 0x5EED);
        Iterator<Map<String, Object>> feeder = feeder(() -> Map.of(
                "account", "warmup-" + rng.nextInt(s.organicAccounts()),
                "body", Prompts.anthropicBody(Prompts.organic(rng), 256)));
        return inference(WARMUP, feeder, "pro").injectOpen(rampUsersPerSec(1).to(s.organicRate()).during(s.warmup()));
    }

    /** Diverse organic traffic: many accounts (pro tier), prompts from many families, modest output budgets. */
    static PopulationBuilder organic(LoadSettings s) {
        SplittableRandom rng = new SplittableRandom(s.seed());
        Iterator<Map<String, Object>> feeder = feeder(() -> Map.of(
                "account", "organic-" + rng.nextInt(s.organicAccounts()),
                "body", Prompts.anthropicBody(Prompts.organic(rng), 256 + rng.nextInt(1024))));
        return inference(ORGANIC, feeder, "pro").injectOpen(constantUsersPerSec(s.organicRate()).during(s.duration()));
    }

    /**
     * A templated hydra campaign: requests rotate over many accounts, a few templates, capability-focused
     * (coding) prompts that ask for the full chain of thought and a large output budget. With the default
     * policy each campaign account gets about 6–7 requests through (its profile is still thin) before it is
     * challenged and then blocked, so the campaign's success share is about 6.5 × accounts / requests:
     * scale {@code campaign.accounts} with {@code campaign.rate × duration} (the defaults: 8 accounts, 600
     * requests, about 9%).
     */
    static PopulationBuilder campaign(LoadSettings s) {
        SplittableRandom rng = new SplittableRandom(s.seed() * 31 + 7);
        int[] next = {0};
        Iterator<Map<String, Object>> feeder = feeder(() -> Map.of(
                "account", "hydra-" + (next[0]++ % s.campaignAccounts()),
                "body", Prompts.anthropicBody(Prompts.campaign(rng, s.campaignTemplates()), 16_000)));
        return inference(CAMPAIGN, feeder, "free").injectOpen(constantUsersPerSec(s.campaignRate()).during(s.duration()));
    }

    static Assertion organicSucceeds() {
        return details(ORGANIC).successfulRequests().percent().gte(99.5);
    }

    static Assertion campaignIsStopped() {
        return details(CAMPAIGN).successfulRequests().percent().lte(10.0);
    }

    static Assertion organicP99(LoadSettings s) {
        return details(ORGANIC).responseTime().percentile(99.0).lte(s.p99Millis());
    }

    private static ScenarioBuilder inference(String name, Iterator<Map<String, Object>> feeder, String tier) {
        return scenario(name).feed(feeder).exec(http(name).post("/v1/messages")
                .header("x-account-id", "#{account}")
                .header("x-account-tier", tier)
                .body(StringBody("#{body}"))
                .check(status().is(200)));
    }

    private static Iterator<Map<String, Object>> feeder(Supplier<Map<String, Object>> next) {
        return Stream.generate(next).iterator();
    }
}
