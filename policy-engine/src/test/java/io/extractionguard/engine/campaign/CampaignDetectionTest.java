package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.support.Fixtures;
import io.extractionguard.engine.support.MutableClock;

/**
 * Cross-account correlation end to end through {@link GuardEngine}, on {@code policies/campaign-test.yaml}:
 * template 40 points, rotation 20, payment 30, client 10, network 10, created 10, timing 10; a
 * suspect from a behaviour score of 20 (full at 40) with harvest-shaped requests; 3 suspects make
 * a shared value full evidence, 2 are needed at all.
 */
class CampaignDetectionTest {

    static final String PLAIN = "what is a good name for a ginger cat, something short and friendly please";

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final Policy policy = Fixtures.policy("/policies/campaign-test.yaml");
    private final GuardEngine engine = engine(policy);
    private int task;

    private GuardEngine engine(Policy p) {
        return GuardEngine.builder(() -> p, clock).store(new InMemoryStateStore(clock))
                .limiter(new LocalRateLimiter(clock)).campaigns(new InMemoryCampaignStore(clock)).build();
    }

    /** An account with its own network and client unless told otherwise. */
    record Who(String id, String payment, String client, String ip, Instant created) {
        Who(String id) {
            this(id, null, "client-" + id, "198.51." + Math.floorMod(id.hashCode(), 200) + ".7", null);
        }

        Who card(String card) {
            return new Who(id, card, client, ip, created);
        }

        Who client(String c) {
            return new Who(id, payment, c, ip, created);
        }

        Who ip(String address) {
            return new Who(id, payment, client, address, created);
        }

        Who created(Instant at) {
            return new Who(id, payment, client, ip, at);
        }

        ClientIdentity identity() {
            return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, null, null, created, payment, client,
                    "agent", ip, 0);
        }
    }

    private Decision send(GuardEngine e, Who who, String text, long maxTokens) {
        clock.advance(Duration.ofSeconds(7));
        e.correlateIfDue();
        return e.evaluate(new GuardRequest(who.identity(), new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "",
                text, 0, 1, List.of(), maxTokens, false, Double.NaN)));
    }

    private Decision send(Who who, String text, long maxTokens) {
        return send(engine, who, text, maxTokens);
    }

    /** A harvesting template: fixed instructions around a different task each time. */
    private String templated() {
        int n = task++;
        return "You are an expert engineer. Implement the python function described below and show your full reasoning "
                + "including every intermediate step before the final code. Task " + n + ": given an array of " + (n * 7 % 97)
                + " integers return the " + (n % 13) + "th largest sum of a window of length " + (n % 5 + 2) + ".";
    }

    private static Optional<Contribution> campaign(Decision d, String reason) {
        return d.contributions().stream().filter(c -> c.signal().equals(reason)).findFirst();
    }

    private static double points(Decision d, String reason) {
        return campaign(d, reason).map(Contribution::points).orElse(0.0);
    }

    @Test
    void aFreshAccountsFirstTemplatedRequestCarriesTheTemplatesEvidenceWhileOtherTrafficDoesNot() {
        for (int a = 0; a < 8; a++) {
            for (int r = 0; r < 3; r++) {
                send(new Who("acct-hydra-" + a), templated(), 16000);
            }
        }
        Decision first = send(new Who("acct-hydra-new"), templated(), 16000);
        assertThat(campaign(first, "campaign/template")).get()
                .satisfies(c -> assertThat(c.strength()).isGreaterThanOrEqualTo(0.75))
                .satisfies(c -> assertThat(c.points()).isGreaterThanOrEqualTo(30.0));
        assertThat(first.action()).isIn(Action.CHALLENGE, Action.BLOCK);

        Decision other = send(new Who("acct-someone"), PLAIN, 256);
        assertThat(other.contributions()).noneMatch(c -> c.signal().startsWith("campaign/"));
        assertThat(other.action()).isEqualTo(Action.ALLOW);
    }

    @Test
    void aPromptManyAccountsShareIsNoEvidenceWhenNobodyHarvestsWithIt() {
        for (int a = 0; a < 8; a++) {
            send(new Who("acct-viral-" + a), "act as a linux terminal and reply only with the terminal output inside one block", 512);
        }
        Decision d = send(new Who("acct-viral-new"), "act as a linux terminal and reply only with the terminal output inside one block", 512);
        assertThat(points(d, "campaign/template")).isZero();
    }

    @Test
    void aCardSharedWithSuspectsRaisesAFreshAccountsFirstOrdinaryRequest() {
        for (int a = 0; a < 4; a++) {
            Who member = new Who("acct-card-" + a).card("pf-stolen");
            for (int r = 0; r < 4; r++) {
                send(member, templated() + " " + a + r, 16000);
            }
        }
        Decision fresh = send(new Who("acct-card-new").card("pf-stolen"), PLAIN, 256);
        assertThat(points(fresh, "campaign/payment")).isGreaterThan(15.0);
        assertThat(fresh.reasons()).contains("campaign/payment");
        assertThat(points(send(new Who("acct-other-card").card("pf-own"), PLAIN, 256), "campaign/payment")).isZero();
    }

    @Test
    void theListingGroupsAccountsLinkedBySuspectsIntoOneCampaignAndLeavesHonestSharersOut() {
        java.util.Set<Long> members = new java.util.HashSet<>();
        for (int a = 0; a < 4; a++) {
            Who member = new Who("acct-listed-" + a).card("pf-listed");
            members.add(Indicators.accountHash(member.id()) & Long.MAX_VALUE);
            for (int r = 0; r < 4; r++) {
                send(member, templated() + " " + a + r, 16000);
            }
        }
        java.util.Set<Long> honest = new java.util.HashSet<>();
        for (int a = 0; a < 6; a++) {
            Who colleague = new Who("acct-office-" + a).card("pf-company");
            honest.add(Indicators.accountHash(colleague.id()) & Long.MAX_VALUE);
            send(colleague, PLAIN + " " + a, 256);
        }

        List<CampaignListing.Campaign> campaigns = engine.campaigns(10);
        assertThat(campaigns).hasSize(1);
        CampaignListing.Campaign c = campaigns.get(0);
        assertThat(c.accounts()).containsExactlyInAnyOrderElementsOf(members);
        assertThat(c.links()).extracting(CampaignListing.Link::indicator).contains("payment");
        assertThat(c.score()).isGreaterThan(15.0);
        assertThat(campaigns).noneMatch(x -> x.accounts().stream().anyMatch(honest::contains));
    }

    @Test
    void aCardManyHonestAccountsShareIsNoEvidence() {
        for (int a = 0; a < 30; a++) {
            send(new Who("acct-company-" + a).card("pf-company"), PLAIN + " number " + a, 256);
        }
        Decision d = send(new Who("acct-company-new").card("pf-company"), PLAIN, 256);
        assertThat(d.contributions()).noneMatch(c -> c.signal().startsWith("campaign/"));
    }

    @Test
    void associationNeverMakesASuspectSoEvidenceDoesNotSpreadToSecondDegreeLinks() {
        for (int a = 0; a < 4; a++) {
            for (int r = 0; r < 4; r++) {
                send(new Who("acct-bad-" + a).card("pf-x"), templated(), 16000);
            }
        }
        // two bridge accounts use the tainted card and a second one; they ask for code and long answers,
        // but their own behaviour stays below the suspect line
        for (int b = 0; b < 2; b++) {
            for (int r = 0; r < 8; r++) {
                Decision d = send(new Who("acct-bridge-" + b).card(r % 2 == 0 ? "pf-x" : "pf-z"),
                        "write a python function that sorts this array of numbers " + b + r, 16000);
                if (r % 2 == 0) {
                    assertThat(points(d, "campaign/payment")).isPositive();
                }
            }
        }
        Decision second = send(new Who("acct-second-degree").card("pf-z"), PLAIN, 256);
        assertThat(points(second, "campaign/payment")).isZero();
    }

    @Test
    void aValueThousandsOfAccountsShareLinksOnlyWeaklyWhateverItsUsersDo() {
        String common = "anthropic-python/0.40 common-ja4";
        for (int a = 0; a < 1500; a++) {
            send(new Who("acct-sdk-" + a).client(common), PLAIN + a, 256);
        }
        for (int a = 0; a < 5; a++) {
            Who suspect = new Who("acct-sus-" + a).client(a % 2 == 0 ? common : "rare-client");
            for (int r = 0; r < 4; r++) {
                send(suspect, templated(), 16000);
            }
        }
        for (int a = 5; a < 8; a++) {
            for (int r = 0; r < 4; r++) {
                send(new Who("acct-sus-" + a).client("rare-client"), templated(), 16000);
            }
        }
        clock.advance(Duration.ofSeconds(30)); // let the correlator measure rarity
        double viaCommon = points(send(new Who("acct-new-1").client(common), PLAIN, 256), "campaign/client");
        double viaRare = points(send(new Who("acct-new-2").client("rare-client"), PLAIN, 256), "campaign/client");
        assertThat(viaCommon).isLessThan(1.0);
        assertThat(viaRare).isGreaterThan(5.0);
    }

    @Test
    void anAccountThatKeepsChangingClientsAndNetworksIsRotating() {
        Decision last = null;
        for (int r = 0; r < 6; r++) {
            last = send(new Who("acct-rotating").client("client-" + r).ip("203.0." + (10 + r) + ".9"), PLAIN + r, 256);
        }
        assertThat(campaign(last, "campaign/rotation")).get().satisfies(c -> assertThat(c.strength()).isEqualTo(1.0));
        Decision steady = null;
        for (int r = 0; r < 6; r++) {
            steady = send(new Who("acct-steady"), PLAIN + r, 256);
        }
        assertThat(points(steady, "campaign/rotation")).isZero();
    }

    @Test
    void accountsCreatedInOneBatchWithSuspectsLinkAFreshMemberOfTheBatch() {
        Instant batch = clock.instant().minus(Duration.ofDays(2));
        for (int a = 0; a < 4; a++) {
            for (int r = 0; r < 4; r++) {
                send(new Who("acct-batch-" + a).created(batch.plusSeconds(a * 30)), templated(), 16000);
            }
        }
        assertThat(points(send(new Who("acct-batch-new").created(batch.plusSeconds(200)), PLAIN, 256), "campaign/created"))
                .isPositive();
        assertThat(points(send(new Who("acct-other-day").created(batch.minus(Duration.ofDays(30))), PLAIN, 256),
                "campaign/created")).isZero();
    }

    @Test
    void accountsSendingAtTheSameMachineRegularCadenceAreLinked() {
        // four harvesting accounts load-balanced in lockstep: each sends every 60 s
        for (int round = 0; round < 8; round++) {
            for (int a = 0; a < 4; a++) {
                clock.advance(Duration.ofSeconds(15).minusSeconds(7)); // send() adds 7 s: 15 s apart, 60 s per account
                send(new Who("acct-lockstep-" + a), templated(), 16000);
            }
        }
        Decision joiner = null;
        for (int r = 0; r < 6; r++) {
            clock.advance(Duration.ofSeconds(60).minusSeconds(7));
            joiner = send(new Who("acct-lockstep-new"), PLAIN + r, 256);
        }
        assertThat(points(joiner, "campaign/timing")).isPositive();
    }

    @Test
    void inShadowModeCampaignEvidenceIsReportedButNotCounted() {
        Policy shadow = Fixtures.policy("/policies/campaign-shadow-test.yaml");
        GuardEngine e = engine(shadow);
        for (int a = 0; a < 8; a++) {
            for (int r = 0; r < 3; r++) {
                send(e, new Who("acct-h-" + a), templated(), 16000);
            }
        }
        Decision d = send(e, new Who("acct-h-new"), templated(), 16000);
        assertThat(campaign(d, "campaign/template")).get().satisfies(c -> assertThat(c.shadow()).isTrue());
        assertThat(d.score()).isLessThan(d.contributions().stream().mapToDouble(Contribution::points).sum());
        assertThat(d.action()).isEqualTo(Action.SHADOW);
        assertThat(d.wouldBe()).isIn(Action.CHALLENGE, Action.BLOCK);
    }

    @Test
    void aPolicyWithoutACampaignSectionCorrelatesNothing() {
        Policy plain = Fixtures.policy("/policies/engine-test.yaml");
        GuardEngine e = engine(plain);
        for (int a = 0; a < 6; a++) {
            send(e, new Who("acct-p-" + a), templated(), 16000);
        }
        assertThat(e.prepare(new GuardRequest(new Who("x").identity(), Fixtures.prompt(templated()))).indicators())
                .isSameAs(RequestIndicators.NONE);
        assertThat(e.correlateIfDue()).isNull();
    }
}
