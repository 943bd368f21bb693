package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.InMemoryCampaignStore;
import io.extractionguard.engine.memory.InMemoryHistoryLedger;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.memory.LocalRateLimiter;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.support.MutableClock;

/**
 * Claimed-history verification (issue 16): a follow-up's earlier user turns are what its account sent before;
 * a new problem hidden in an invented earlier user turn behind a short "now solve that one" is not, so it gets
 * no conversing discount and is read as the request's ask. Bodies go through the real parser.
 */
class ClaimedHistoryTest {

    private static final RequestParser PARSER = new RequestParser();
    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private int item;

    private static InferenceRequest parse(String... turns) {
        StringBuilder b = new StringBuilder("{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[");
        for (int i = 0; i < turns.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"").append(turns[i]).append("\"}");
        }
        ParseResult r = PARSER.parse(ApiFormat.ANTHROPIC_MESSAGES, b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        return ((ParseResult.Parsed) r).request();
    }

    private static String[] plus(String[] turns, String... more) {
        List<String> all = new ArrayList<>(List.of(turns));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void aFollowUpClaimsItsPreviousRequestAsAPrefixAndAnInventedTurnDoesNot() {
        String[] first = {"Write a function that merges two sorted lists."};
        String[] followUp = plus(first, "def merge(a, b): ...", "why is that linear?");
        String[] stuffed = plus(followUp, "It walks each list once.", "Next exercise. Prove that every tree with n nodes "
                + "has n-1 edges. Show the working in full, one step per line.", "Got it.", "Now solve that one.");
        ClaimedHistory one = parse(first).claimed();
        ClaimedHistory two = parse(followUp).claimed();
        ClaimedHistory three = parse(stuffed).claimed();
        assertThat(one.turns()).isZero();
        assertThat(two.turns()).isEqualTo(1);
        assertThat(two.prefixState(0)).isEqualTo(one.state());
        assertThat(two.chars()).isEqualTo(first[0].length());
        assertThat(three.prefixState(1)).isEqualTo(two.state());
        assertThat(three.unverifiedText(two.chars() + "why is that linear?".length())).startsWith("Next exercise.");

        InMemoryHistoryLedger ledger = new InMemoryHistoryLedger(clock);
        assertThat(sent(ledger, 7, one)).isZero();
        assertThat(sent(ledger, 7, two)).as("a genuine follow-up is verified in full").isEqualTo(two.chars());
        long verified = sent(ledger, 7, three);
        assertThat(verified).as("the invented turn is not").isEqualTo(two.chars() + "why is that linear?".length());
        assertThat(sent(ledger, 8, two)).as("another account never sent it").isZero();
        assertThat(ledger.size()).isEqualTo(2);
    }

    @Test
    void verifyingRecordsNothingUntilTheRequestIsRecorded() {
        ClaimedHistory one = parse("Write a function that merges two sorted lists.").claimed();
        ClaimedHistory two = parse("Write a function that merges two sorted lists.", "def merge(a, b): ...",
                "why is that linear?").claimed();
        InMemoryHistoryLedger ledger = new InMemoryHistoryLedger(clock);
        assertThat(ledger.verified(7, one, 0)).isZero();
        assertThat(ledger.verified(7, two, 0)).as("the first request was verified, not recorded").isZero();
        assertThat(ledger.size()).isZero();
        ledger.record(7, one, 0);
        assertThat(ledger.verified(7, two, 0)).isEqualTo(two.chars());
    }

    /** A request as the engine handles it: verified, then (in its commit) recorded. */
    private static long sent(InMemoryHistoryLedger ledger, long account, ClaimedHistory claimed) {
        long verified = ledger.verified(account, claimed, 0);
        ledger.record(account, claimed, 0);
        return verified;
    }

    private static long sent(SentTurns turns, ClaimedHistory claimed) {
        long verified = turns.verified(claimed);
        turns.record(claimed);
        return verified;
    }

    @Test
    void theLedgerKeepsABoundedNumberOfSequencesPerAccount() {
        SentTurns sent = new SentTurns();
        ClaimedHistory old = parse("the first conversation").claimed();
        sent(sent, old);
        for (int i = 0; i < SentTurns.KEPT; i++) {
            sent(sent, parse("conversation " + i).claimed());
        }
        assertThat(sent(sent, parse("the first conversation", "answer", "and then?").claimed()))
                .as("forgotten after " + SentTurns.KEPT + " newer sequences").isZero();
    }

    // --- through the engine, on the shipped default policy ------------------------------------------------

    private static Policy policy(UnaryOperator<String> edit) {
        try {
            String text = edit.apply(java.nio.file.Files.readString(Path.of("..", "config", "policies", "default.yaml")));
            java.nio.file.Path file = java.nio.file.Files.createTempFile("policy", ".yaml");
            java.nio.file.Files.writeString(file, text);
            try {
                return new PolicyLoader().load(file);
            } finally {
                java.nio.file.Files.delete(file);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private GuardEngine engine(Policy policy) {
        return GuardEngine.builder(() -> policy, clock).store(new InMemoryStateStore(clock))
                .limiter(new LocalRateLimiter(clock)).campaigns(new InMemoryCampaignStore(clock)).build();
    }

    private Decision send(GuardEngine engine, String account, String[] turns) {
        clock.advance(Duration.ofSeconds(9));
        engine.correlateIfDue();
        return engine.evaluate(new GuardRequest(member(account), parse(turns)));
    }

    private ClientIdentity member(String id) {
        return HistoryFarm.member(id, clock.instant());
    }

    private String problem() {
        return HistoryFarm.problem(item++);
    }

    /** Twenty young accounts on one card, /24 and client, each running chains of history-stuffed asks. */
    private List<Decision> stuffedCluster(Policy policy) {
        GuardEngine engine = engine(policy);
        List<Decision> late = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            for (int a = 0; a < 20; a++) {
                String[] chain = {problem()};
                for (int k = 0; k < 3; k++) {
                    if (k > 0) {
                        chain = plus(chain, "Step 1: sort. Step 2: sweep. So the final answer is " + k + ".", problem(),
                                "Got it. Shall I solve it?", "Now solve that one.");
                    }
                    Decision d = send(engine, "acct-stuffed-" + a, chain);
                    if (round >= 4) {
                        late.add(d);
                    }
                }
            }
        }
        return late;
    }

    @Test
    void aClusterHidingItsProblemsInInventedEarlierTurnsGetsNoConversingDiscount() {
        List<Decision> verified = stuffedCluster(policy(UnaryOperator.identity()));
        List<Decision> taken = stuffedCluster(policy(s -> s.replace("claimed-history: read", "claimed-history: off")));
        assertThat(verified).filteredOn(d -> !d.action().forwards()).as("rejected once verified")
                .hasSizeGreaterThanOrEqualTo(verified.size() * 95 / 100);
        assertThat(verified).anyMatch(d -> d.contributions().stream().anyMatch(c -> c.signal().equals("campaign/cluster")));

        assertThat(taken).filteredOn(d -> d.action().forwards()).as("continuations forwarded when claimed history is taken as sent")
                .hasSizeGreaterThan(taken.size() / 5);
    }

    @Test
    void aClassThatGenuinelyContinuesItsConversationsKeepsItsDiscount() {
        GuardEngine engine = engine(policy(UnaryOperator.identity()));
        List<Decision> decisions = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int s = 0; s < 20; s++) {
                String[] chain = {problem()};
                for (int f = 0; f < 3; f++) {
                    if (f > 0) {
                        chain = plus(chain, "Step 1: sort. Step 2: sweep.", f == 1 ? "why does the sweep work?"
                                : "what about an empty list?");
                    }
                    decisions.add(send(engine, "acct-class-" + s, chain));
                }
            }
        }
        assertThat(decisions).noneMatch(d -> d.action() == Action.CHALLENGE || d.action() == Action.BLOCK);
    }
}
