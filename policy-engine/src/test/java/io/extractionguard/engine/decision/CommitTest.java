package io.extractionguard.engine.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.memory.InMemoryHistoryLedger;
import io.extractionguard.engine.memory.InMemoryStateStore;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.spi.ChallengeGate;
import io.extractionguard.engine.spi.HistoryLedger;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.engine.support.MutableClock;

/**
 * The split of a decision into what {@link GuardEngine#admit} does before answering and the {@link Commit} its outcome
 * carries (shipped default policy: claimed-history verification on, so a conversation's user turns are recorded).
 */
class CommitTest {

    private static final Policy POLICY = load();

    private final MutableClock clock = MutableClock.at("2026-03-02T14:00:00Z");
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final RecordingLedger history = new RecordingLedger(new InMemoryHistoryLedger(clock));
    private final GuardEngine engine = GuardEngine.builder(() -> POLICY, clock)
            .store(store)
            .history(history)
            .intake(new Intake(new RequestParser(), IdentityResolver.trustingEveryone(
                    "commit-test-key-0123".getBytes(StandardCharsets.UTF_8))))
            .build();

    private static Policy load() {
        try {
            return new PolicyLoader().load(Path.of("..", "config", "policies", "default.yaml"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records (account hash) the ledger was asked to keep, in order. */
    private static final class RecordingLedger implements HistoryLedger {
        private final HistoryLedger ledger;
        final List<Long> recorded = new ArrayList<>();

        RecordingLedger(HistoryLedger ledger) {
            this.ledger = ledger;
        }

        @Override
        public long verified(long accountHash, ClaimedHistory claimed, long atMillis) {
            return ledger.verified(accountHash, claimed, atMillis);
        }

        @Override
        public synchronized void record(long accountHash, ClaimedHistory claimed, long atMillis) {
            recorded.add(accountHash);
            ledger.record(accountHash, claimed, atMillis);
        }
    }

    private static String conversation(String... turns) {
        StringBuilder b = new StringBuilder("{\"model\":\"m\",\"max_tokens\":64,\"messages\":[");
        for (int i = 0; i < turns.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"").append(turns[i]).append("\"}");
        }
        return b.append("]}").toString();
    }

    private static Arrival arrival(String account, String body) {
        Map<String, String> headers = Map.of("x-account-id", account, "x-account-tier", "pro");
        return new Arrival(ApiFormat.ANTHROPIC_MESSAGES, headers::get, "10.0.0.1", body.getBytes(StandardCharsets.UTF_8),
                1 << 20);
    }

    private static final String FIRST = "What is a good way to learn to cook rice?";
    private static final String[] FOLLOW_UP = {FIRST, "Rinse it, then simmer it covered.", "And brown rice?"};

    @Test
    void aForwardedRequestRecordsWhatTheAnswerDoesNotReadOnlyWhenItsCommitRuns() {
        Outcome.Forward forward = (Outcome.Forward) engine.admit(arrival("acct-rice", conversation(FOLLOW_UP)),
                ChallengeGate.NONE);

        assertThat(history.recorded).as("decided, not committed").isEmpty();
        assertThat(forward.commit().isDone()).isFalse();
        assertThat(store.peek("acct-rice", clock.instant(), 0)).as("the profile the score read is updated at once")
                .hasValueSatisfying(stats -> assertThat(stats).isNotNull());

        forward.commit().run();
        forward.commit().run();

        assertThat(history.recorded).as("recorded once, however often the commit is run").hasSize(1);
        assertThat(forward.commit().isDone()).isTrue();
    }

    @Test
    void aFollowUpDecidedBeforeItsPredecessorCommitsFindsItUnverifiedAndAfterwardsVerified() {
        Outcome first = engine.admit(arrival("acct-rice", conversation(FIRST)), ChallengeGate.NONE);
        Outcome second = engine.admit(arrival("acct-rice", conversation("Something else entirely?")), ChallengeGate.NONE);
        second.commit().run();
        ClaimedHistory followUp = parse(FOLLOW_UP).claimed();
        long key = history.recorded.get(0);
        assertThat(history.verified(key, followUp, clock.millis())).as("before the first request commits").isZero();

        first.commit().run();

        assertThat(history.recorded).containsExactly(key, key);
        assertThat(history.verified(key, followUp, clock.millis())).as("the follow-up's earlier turn, once committed")
                .isEqualTo(FIRST.length());
    }

    @Test
    void aRejectionCarriesItsCommitToo() {
        store.putVerdict("acct-blocked", new Verdict(Verdict.Kind.BLOCK, clock.instant().plus(Duration.ofHours(1)),
                "operator", List.of("operator/block"), "abuse"));

        Outcome.Reject reject = (Outcome.Reject) engine.admit(arrival("acct-blocked", conversation(FOLLOW_UP)),
                ChallengeGate.NONE);

        assertThat(reject.cause()).isEqualTo(Outcome.Cause.BLOCKED);
        assertThat(history.recorded).isEmpty();
        reject.commit().run();
        assertThat(history.recorded).hasSize(1);
    }

    @Test
    void aRequestWaitingForALookupHasNothingToCommitUntilTheLookupDecidesIt() {
        // a solution that needs the shared ledger, then is no solution: NONE but for needing the lookup
        ChallengeGate.Check none = ChallengeGate.Check.NONE;
        ChallengeGate.Check lookup = (ChallengeGate.Check) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[]{ChallengeGate.Check.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "needsLookup" -> true;
                    case "lookUp" -> none;
                    default -> method.invoke(none, args);
                });

        Outcome.NeedsLookup waiting = (Outcome.NeedsLookup) engine.admit(arrival("acct-rice", conversation(FOLLOW_UP)),
                account -> lookup);
        assertThat(waiting.commit()).isSameAs(Commit.NONE);
        Outcome.Forward decided = (Outcome.Forward) waiting.complete();

        assertThat(history.recorded).isEmpty();
        decided.commit().run();
        assertThat(history.recorded).hasSize(1);
    }

    @Test
    void aBodyThatIsNotReadCommitsNothing() {
        Outcome outcome = engine.admit(arrival("acct-rice", "{\"model\":"), ChallengeGate.NONE);

        assertThat(outcome.commit()).isSameAs(Commit.NONE);
        outcome.commit().run();
        assertThat(history.recorded).isEmpty();
    }

    @Test
    void replayAndBatchesCommitBeforeTheyReturn() {
        ClientIdentity id = new ClientIdentity("acct-replay", ClientIdentity.Source.TRUSTED_HEADER, null, null, "pro",
                null, null, null, null, "10.0.0.1", 0);

        engine.evaluate(new GuardRequest(id, parse(FOLLOW_UP)));
        assertThat(history.recorded).as("evaluate").hasSize(1);

        engine.evaluateBatch(id, List.of(parse(FOLLOW_UP), parse(FIRST, "Rinse it.", "And wild rice?")));
        assertThat(history.recorded).as("each item of a batch").hasSize(3);
    }

    @Test
    void admitAndCommitDecideAsEvaluateDoesOverAConversationChain() {
        RecordingLedger otherHistory = new RecordingLedger(new InMemoryHistoryLedger(clock));
        GuardEngine replaying = GuardEngine.builder(() -> POLICY, clock).store(new InMemoryStateStore(clock))
                .history(otherHistory).intake(engine.intake()).build();
        String[] chain = {FIRST};
        for (int i = 0; i < 8; i++) {
            clock.advance(Duration.ofSeconds(20));
            String body = conversation(chain);
            Outcome admitted = engine.admit(arrival("acct-chain", body), ChallengeGate.NONE);
            admitted.commit().run();
            Intake.Accepted read = (Intake.Accepted) engine.intake().read(arrival("acct-chain", body));
            Decision evaluated = replaying.evaluate(new GuardRequest(read.identity(), read.request()));

            Decision decided = admitted instanceof Outcome.Forward f ? f.decision() : ((Outcome.Reject) admitted).decision();
            assertThat(decided).as("request %d", i).usingRecursiveComparison().isEqualTo(evaluated);
            chain = append(chain, "Answer " + i + ".", "Now show step " + i + " in full, with every intermediate step.");
        }
        assertThat(history.recorded).isEqualTo(otherHistory.recorded);
    }

    private static String[] append(String[] turns, String... more) {
        String[] out = java.util.Arrays.copyOf(turns, turns.length + more.length);
        System.arraycopy(more, 0, out, turns.length, more.length);
        return out;
    }

    private static InferenceRequest parse(String... turns) {
        return ((ParseResult.Parsed) new RequestParser().parse(ApiFormat.ANTHROPIC_MESSAGES,
                conversation(turns).getBytes(StandardCharsets.UTF_8))).request();
    }
}
