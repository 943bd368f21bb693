package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.correlation.CampaignDetector;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.spi.CampaignStore;
import io.extractionguard.engine.support.MutableClock;

/**
 * Structural conviction (issue 16) on the shipped default policy: a cluster of young accounts on
 * one card, one /24 and one client is convicted on that shape even with no reasoning words and
 * moderate budgets, while a class of the same shape that pastes the same exercises with
 * "show your full reasoning" and continues its conversations is not.
 */
class StructuralConvictionTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final Policy policy = load();
    private final GuardEngine engine = GuardEngine.builder(() -> policy, clock).store(new InMemoryStateStore(clock))
            .limiter(new LocalRateLimiter(clock)).campaigns(new InMemoryCampaignStore(clock)).build();
    private int item;

    private static Policy load() {
        try {
            return new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ClientIdentity member(String id, String card, String net, String client) {
        return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, null, "free",
                clock.instant().minus(Duration.ofDays(1)), card, "ja4-" + client, client, net + ".7", 0);
    }

    private Decision send(ClientIdentity who, String lastUser, long history, int turns, String root, long maxTokens) {
        clock.advance(Duration.ofSeconds(9));
        engine.correlateIfDue();
        return engine.evaluate(new GuardRequest(who, new InferenceRequest(ApiFormat.OPENAI_CHAT_COMPLETIONS, "m", "",
                lastUser, history, turns, List.of(), maxTokens, false, 0.0, 1, root.hashCode() | 1L)));
    }

    /** A grading rubric with no reasoning words around a different problem each time. */
    private String judged() {
        int n = item++;
        return "Rate the answer below against the reference criteria. Criteria: correctness, completeness, efficiency, "
                + "style. For each criterion give a score from 1 to 10 and two sentences. QUESTION: given " + (n * 7 % 97)
                + " integers and a window of " + (n % 5 + 2) + " find the " + (n % 13) + "th largest sum. ANSWER: sort "
                + "then sweep with a deque of size " + (n % 11) + " keeping totals " + (n * 31 % 1000) + ".";
    }

    /** Twenty young accounts on one card, one /24 and one client, twelve judging requests each. */
    private void farm(String prefix, String card, String client) {
        for (int round = 0; round < 12; round++) {
            for (int a = 0; a < 20; a++) {
                String text = judged();
                send(member(prefix + a, card, "203.0.113", client), text, 0, 1, text, 1024);
            }
        }
    }

    @Test
    void aYoungClusterOnOneCardNetworkAndClientIsConvictedOnItsShapeWithoutAnyReasoningAsk() {
        farm("acct-farm-", "card-farm", "farm-client");
        ClientIdentity fresh = member("acct-farm-new", "card-farm", "203.0.113", "farm-client");
        int firstRejection = -1;
        Decision last = null;
        for (int r = 0; r < 5 && firstRejection < 0; r++) {
            String text = judged();
            last = send(fresh, text, 0, 1, text, 1024);
            if (!last.action().forwards()) {
                firstRejection = r + 1;
            }
        }
        assertThat(firstRejection).isBetween(1, 3);
        assertThat(last.contributions()).anyMatch(c -> c.signal().equals("campaign/cluster") && c.points() > 0);
        assertThat(last.contributions()).noneMatch(c -> c.signal().equals("cot-elicitation"));
    }

    /**
     * A newcomer who shares only what strangers can share by chance with a convicted farm — the same client
     * (a vendor's plug-in the farm copies) and the same sign-up hour — but its own card and network is not
     * part of the cluster (policy 2026-12-07.7: a cluster is anchored in a card or a range).
     */
    @Test
    void aNewcomerSharingOnlyTheClientAndSignUpHourOfAFarmGetsNoClusterEvidence() {
        farm("acct-copy-", "card-copy", "vendor-plugin");
        List<Decision> newcomer = new ArrayList<>();
        for (int r = 0; r < 5; r++) {
            String text = judged();
            newcomer.add(send(member("acct-newcomer", "card-own", "192.0.2", "vendor-plugin"), text, 0, 1, text, 1024));
        }
        assertThat(newcomer.get(newcomer.size() - 1).contributions())
                .anyMatch(c -> c.signal().equals("campaign/client")).anyMatch(c -> c.signal().equals("campaign/created"));
        assertThat(newcomer).allMatch(d -> d.action().forwards()
                && d.contributions().stream().noneMatch(c -> c.signal().equals("campaign/cluster")));
    }

    @Test
    void aClassOfTheSameShapeThatContinuesItsConversationsIsNeverChallenged() {
        List<String> exercises = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            exercises.add("Exercise " + (i + 1) + ": write a Python function that returns the " + (i + 2)
                    + "th largest element of a list of integers. Show your full reasoning.");
        }
        List<Decision> decisions = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int s = 0; s < 20; s++) {
                ClientIdentity student = member("acct-student-" + s, "card-workshop", "198.51.100", "starter-kit");
                String exercise = exercises.get((s + round) % exercises.size());
                long total = exercise.length();
                decisions.add(send(student, exercise, 0, 1, exercise, 2048));
                for (int f = 1; f <= 2; f++) { // follow-ups: the whole conversation so far is the history
                    String followUp = "why does that work for " + (f == 1 ? "an empty list" : "duplicates") + "?";
                    long history = total + 400;
                    decisions.add(send(student, followUp, history, 1 + 2 * f, exercise, 2048));
                    total = history + followUp.length();
                }
            }
        }
        // the class's own reasoning asks and pasted exercises may put a student in the watch band (a
        // tighter rate and token limit); what must never happen is a challenge, a block or cluster evidence
        assertThat(decisions).noneMatch(d -> d.action() == Action.CHALLENGE || d.action() == Action.BLOCK);
        assertThat(decisions).allMatch(d -> d.contributions().stream().noneMatch(c -> c.signal().equals("campaign/cluster")));
    }

    /**
     * A farm that fakes continuations (blind family {@code campaign/continued}): each ask after a chain's
     * first resends the previous request and an answer in front of a new problem, which the continuation
     * rule accepts; the new turn is a whole problem, not a follow-up, so it does not converse.
     */
    @Test
    void aClusterThatFakesContinuationsAroundNewProblemsIsStillConvicted() {
        for (int round = 0; round < 6; round++) {
            for (int a = 0; a < 20; a++) {
                fakeChain(member("acct-chain-" + a, "card-chain", "203.0.113", "chain-client"), 2);
            }
        }
        List<Decision> fresh = fakeChain(member("acct-chain-new", "card-chain", "203.0.113", "chain-client"), 4);
        assertThat(fresh).anyMatch(d -> !d.action().forwards());
        assertThat(fresh.get(fresh.size() - 1).contributions())
                .anyMatch(c -> c.signal().equals("campaign/cluster") && c.points() > 0);
    }

    @Test
    void aContinuationConversesWhenItsNewTurnIsAFollowUpAndNotWhenItIsAWholeNewProblem() {
        AccountRules rules = new AccountRules(4, 0.2, 4, policy.campaign().structure().followUpLow(),
                policy.campaign().structure().followUpHigh());
        assertThat(rules.followUp("why does that work for an empty list?".length())).isEqualTo(1.0);
        assertThat(rules.followUp(judged().length())).isZero();
        assertThat(new AccountRules(4, 0.2, 4).followUp(5_000)).as("records shipped without the ramp").isEqualTo(1.0);
    }

    /**
     * One card and one home address per account, accounts weeks old: nothing links them, but an account
     * without reputation that sends standalone, templated capability asks with long budgets is answered
     * without its reasoning, and once that evidence is strong (the convict ramp, policy 2026-12-07.5) it is
     * blocked, so the campaign must replace it; the same traffic from an old account is neither, nor is a
     * person of the same age who follows up. Attacker's view: an account aged past {@code reputation.old}
     * (90 days held idle) or one that rewrites every ask so that it shares no template with anyone (a
     * paraphrase per request) escapes both.
     */
    @Test
    void anAccountWithoutReputationHarvestingTemplatedProblemsAloneLosesItsReasoningThenIsBlocked() {
        List<Decision> young = new ArrayList<>();
        List<Decision> old = new ArrayList<>();
        List<Decision> conversing = new ArrayList<>();
        List<Decision> paraphrasing = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            othersFillTheWrapper("acct-each-", round);
            String text = harvest();
            young.add(send(aged("acct-each-young", 20, 100), text, 0, 1, text, 4096));
            text = harvest();
            old.add(send(aged("acct-each-old", 200, 101), text, 0, 1, text, 4096));
            text = harvest();
            ClientIdentity person = aged("acct-each-person", 20, 102);
            conversing.add(send(person, text, 0, 1, text, 4096));
            conversing.add(send(person, "why is that faster?", text.length() + 900, 3, text, 4096));
            text = paraphrased(round);
            paraphrasing.add(send(aged("acct-each-paraphrasing", 20, 103), text, 0, 1, text, 4096));
        }
        // once it has a dozen standalone asks, nothing it is answered carries the reasoning it asked for
        assertThat(young.subList(12, young.size())).allMatch(d -> d.degrade() != null || !d.action().forwards());
        int firstDegraded = indexOf(young, d -> d.reasons().contains("degrade/reputation") && d.action() == Action.ALLOW);
        int firstBlocked = indexOf(young, d -> d.action() == Action.BLOCK);
        assertThat(firstDegraded).as("degraded before it is convicted").isBetween(0, firstBlocked - 1);
        assertThat(young.get(firstBlocked).contributions())
                .anyMatch(c -> c.signal().equals("campaign/reputation") && c.points() > 0);
        assertThat(old).allMatch(d -> d.action().forwards() && d.degrade() == null);
        assertThat(conversing).allMatch(d -> d.action().forwards() && d.degrade() == null);
        assertThat(paraphrasing).allMatch(d -> d.action().forwards() && d.degrade() == null
                && d.contributions().stream().noneMatch(c -> c.signal().equals("campaign/reputation")));
    }

    /**
     * Age lost to a change of behaviour (policy 2026-12-08.3): an account months old that sent ordinary short questions
     * from its home address, then harvests templated problems through a different address on every request, is judged
     * by what it sends now: the reputation step reads its recent content (not the day mean its warm-up holds down) and
     * its age stops counting once its recent requests come from six or more networks. It is degraded, then convicted.
     * Attacker's view: harvesting from the account's one home address (the same account, {@code settled}), or through
     * at most five rotating addresses ({@code travelling}, also what a person between home, office and phone looks
     * like), keeps the age: then only its own signals, template and shared-card evidence count.
     */
    @Test
    void anAgedAccountThatStartsHarvestingThroughRotatingAddressesLosesTheReputationOfItsAge() {
        List<Decision> warmUp = new ArrayList<>();
        List<Decision> harvesting = new ArrayList<>();
        List<Decision> settled = new ArrayList<>();
        List<Decision> travelling = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            othersFillTheWrapper("acct-warm-other-", round);
            String text = round < 12 ? "what should I cook tonight with leeks, rice and some leftover chicken " + round
                    : harvest();
            long budget = round < 12 ? 1024 : 4096;
            String net = round < 12 ? "198.51.100.7" : "100." + (round + 64) + ".20.7"; // home, then a new /24 each time
            (round < 12 ? warmUp : harvesting).add(send(held("acct-warmed", net), text, 0, 1, text, budget));
            if (round >= 12) {
                text = harvest();
                settled.add(send(held("acct-settled", "198.51.100.8"), text, 0, 1, text, 4096));
                text = harvest();
                travelling.add(send(held("acct-travelling", "192.0." + (round % 5 + 1) + ".9"), text, 0, 1, text, 4096));
            }
        }
        assertThat(warmUp).allMatch(d -> d.action().forwards() && d.degrade() == null);
        // its fifth harvesting request is the sixth network among its last eight: no reasoning from there on
        int firstWithheld = indexOf(harvesting, d -> d.degrade() != null || !d.action().forwards());
        assertThat(firstWithheld).isBetween(3, 5);
        assertThat(harvesting.subList(firstWithheld, harvesting.size()))
                .allMatch(d -> d.degrade() != null || !d.action().forwards());
        assertThat(harvesting.get(firstWithheld).contributions())
                .anyMatch(c -> c.signal().equals("campaign/reputation") && c.points() > 0);
        assertThat(harvesting.get(harvesting.size() - 1).action()).isEqualTo(Action.BLOCK);
        assertThat(settled).noneMatch(d -> d.contributions().stream().anyMatch(c -> c.signal().equals("campaign/reputation")));
        assertThat(travelling).noneMatch(d -> d.contributions().stream().anyMatch(c -> c.signal().equals("campaign/reputation")));
    }

    /** A round at people's pace in which twelve accounts aged 20 days, each with its own card and address, fill the wrapper. */
    private void othersFillTheWrapper(String prefix, int round) {
        clock.advance(Duration.ofSeconds(120 + (round * 7919L) % 1500)); // people's pace, not a machine's
        for (int a = 0; a < 12; a++) {
            String text = harvest();
            send(aged(prefix + a, 20, a), text, 0, 1, text, 4096);
        }
    }

    /** An account made 120 days ago with its own card and client, sending from {@code net}. */
    private ClientIdentity held(String id, String net) {
        return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, null, "free",
                Instant.parse("2026-03-02T14:00:00Z").minus(Duration.ofDays(120)), "card-" + id, "ja4-" + id, "sdk/" + id,
                net, 0);
    }

    /** A capability ask rewritten so that no two share wording: unique words around a few lexicon terms. */
    private static String paraphrased(int n) {
        StringBuilder b = new StringBuilder();
        java.util.Random r = new java.util.Random(n * 7919L + 17);
        String[] terms = {"python", "function", "integers", "array", "modulo"};
        for (int i = 0; i < 24; i++) {
            b.append(i % 5 == 2 ? terms[(i / 5 + n) % terms.length] : Long.toString(r.nextLong() & 0xffffffL, 36)).append(' ');
        }
        return b.toString().trim();
    }

    private static int indexOf(List<Decision> decisions, java.util.function.Predicate<Decision> p) {
        for (int i = 0; i < decisions.size(); i++) {
            if (p.test(decisions.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private ClientIdentity aged(String id, int days, int n) {
        return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, null, "free",
                clock.instant().minus(Duration.ofDays(days)).minus(Duration.ofHours(5L * n)), "card-" + id, "ja4-" + n,
                "sdk/" + n, "198.18." + (n % 250) + "." + (n % 200 + 2), 0); // in a small test every shared value is rare
    }

    /** A harvesting wrapper around a different capability problem each time. */
    private String harvest() {
        int n = item++;
        return "Next exercise. Implement a python function that returns the " + (n % 13) + "th largest sum of a window of "
                + (n % 7 + 2) + " integers in an array of " + (n * 37 % 1000) + " elements modulo " + (n * 31 % 97)
                + ". Final answer on the last line.";
    }

    /** A chain of {@code length} asks: a standalone one, then each resending the previous request and an answer. */
    private List<Decision> fakeChain(ClientIdentity who, int length) {
        List<Decision> out = new ArrayList<>();
        String root = judged();
        long total = root.length();
        out.add(send(who, root, 0, 1, root, 4096));
        for (int k = 1; k < length; k++) {
            String next = judged();
            long history = total + 600; // the previous request and the model's answer to it
            out.add(send(who, next, history, 1 + 2 * k, root, 4096));
            total = history + next.length();
        }
        return out;
    }

    @Test
    void aMadeUpEarlierExchangeIsNoContinuationAndTheNextStepOfALoopIs() {
        RequestIndicators.Conversation first = new RequestIndicators.Conversation(1, 0, 300, 11);
        RequestIndicators.Conversation padded = new RequestIndicators.Conversation(3, 900, 1300, 12);
        RequestIndicators.Conversation followUp = new RequestIndicators.Conversation(3, 700, 760, 11);
        RequestIndicators.Conversation restarted = new RequestIndicators.Conversation(3, 200, 260, 11);
        assertThat(padded.continues(first)).isFalse();   // its own root
        assertThat(followUp.continues(first)).isTrue();  // same root, more turns, everything before as history
        assertThat(restarted.continues(first)).isFalse(); // same root but not carrying what was sent before
    }

    @Test
    void aBucketOfNearCopiesHasLowContentYieldAndATemplateAroundNewProblemsHasHigh() {
        TemplateBucket copies = new TemplateBucket();
        TemplateBucket template = new TemplateBucket();
        byte[] exercise = sketch("Exercise 3: write a Python function that returns the third largest element of a list");
        TemplateStats copied = null;
        TemplateStats templated = null;
        long at = Instant.parse("2026-03-02T14:00:00Z").toEpochMilli();
        for (int i = 0; i < 30; i++) {
            copied = copies.apply(i, exercise, 0.25, 0.8, at + i);
            templated = template.apply(i, sketch("You are an expert engineer. Implement the function below and explain "
                    + "the approach. Task " + i + ": given " + (i * 7) + " integers return the " + (i % 13)
                    + "th largest window sum of length " + (i % 5 + 2) + " modulo " + (i * 31)), 0.25, 0.8, at + i);
        }
        assertThat(copied.yield()).isLessThan(0.2);
        assertThat(templated.yield()).isGreaterThan(0.6);
        // the classroom signal per request: a pasted exercise is flagged as a near-copy, a new problem is not
        assertThat(copied.nearCopy()).isTrue();
        assertThat(templated.nearCopy()).isFalse();
    }

    /**
     * Pasted exercises (policy 2026-12-08.1): a class's pasted exercise also lands in generic buckets of distinct
     * problems around a common opener; being a near-copy in a bucket of near-copies takes its template strength
     * away in every bucket (a workshop account was challenged on adaptive seed 5 before).
     */
    @Test
    void aPastedExerciseGetsNoTemplateEvidenceFromAGenericBucketOfDistinctProblems() {
        TemplateStats generic = new TemplateStats(12, 40, 0.9, 1.0);
        TemplateStats pastedIntoCopies = new TemplateStats(12, 40, 0.9, 0.1, true);
        TemplateStats newProblemInCopies = new TemplateStats(12, 40, 0.9, 0.1, false);
        assertThat(campaignReasons(generic)).contains("campaign/template");
        assertThat(campaignReasons(generic, newProblemInCopies)).contains("campaign/template");
        assertThat(campaignReasons(generic, pastedIntoCopies)).doesNotContain("campaign/template");
    }

    /** The campaign reasons of one long standalone capability ask whose template buckets are {@code buckets}. */
    private List<String> campaignReasons(TemplateStats... buckets) {
        InMemoryCampaignStore memory = new InMemoryCampaignStore(clock);
        CampaignStore store = (CampaignStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{CampaignStore.class}, (proxy, method, args) ->
                        method.getName().equals("observeTemplates") ? buckets : method.invoke(memory, args));
        long now = clock.millis();
        long[] keys = new long[buckets.length];
        Arrays.setAll(keys, i -> i + 1);
        RequestIndicators r = new RequestIndicators(42, new long[IndicatorKind.count()], keys,
                new byte[PromptSketch.BYTES], 7, 9, 0.8,
                new RequestIndicators.Conversation(1, 0, 300, 11), now - Duration.ofDays(1).toMillis(), 4096);
        return new CampaignDetector(store)
                .evaluate(policy.campaign(), r, 0, 4, now).stream().map(c -> c.signal()).toList();
    }

    /**
     * Org vouching (policy 2026-12-08.1): a research team's young member gets no reputation step while its declared
     * organisation has several members on one card who are not suspects. What a campaign can declare does not vouch:
     * an org per account (no other members), one org over accounts with cards of their own (no shared card), or an
     * org whose members harvest (suspects).
     */
    @Test
    void aDeclaredOrgVouchesOnlyWithSeveralMembersOnOneCardWhoAreNotSuspects() {
        StructureSettings.Reputation rep = policy.campaign().structure().reputation();
        IndicatorEvidence team = new IndicatorEvidence(IndicatorKind.ORG, 31, 31 * 0.05, 44, 0.5f, false);
        IndicatorEvidence sharedCard = new IndicatorEvidence(IndicatorKind.PAYMENT, 31, 1.2, 44, 0.5f, false);
        IndicatorEvidence ownCard = new IndicatorEvidence(IndicatorKind.PAYMENT, 0, 0, 1, 1f, false);
        assertThat(rep.orgVouch(team, sharedCard)).isEqualTo(1.0);
        assertThat(rep.orgVouch(null, sharedCard)).as("no org declared").isZero();
        assertThat(rep.orgVouch(team, ownCard)).as("one org over many cards").isZero();
        assertThat(rep.orgVouch(new IndicatorEvidence(IndicatorKind.ORG, 0, 0, 1, 1f, false), sharedCard))
                .as("an org per account").isZero();
        assertThat(rep.orgVouch(new IndicatorEvidence(IndicatorKind.ORG, 31, 31 * 0.5, 44, 0.5f, false), sharedCard))
                .as("an org of suspects").isZero();
    }

    private byte[] sketch(String text) {
        return policy.extractor().extract(new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "m", "", text, 0, 1,
                List.of(), 1024, false, Double.NaN)).sketch();
    }
}
