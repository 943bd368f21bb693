package io.extractionguard.engine.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ClaimedHistory;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.support.MutableClock;

/**
 * {@link InMemoryHistoryLedger#singleThreaded} (the replay's) answers as the Caffeine-backed ledger does, through
 * idle expiry and renewal, for conversations that grow, fork and are invented.
 */
class HistoryLedgerTwinTest {

    private static final RequestParser PARSER = new RequestParser();

    private static ClaimedHistory claimed(List<String> turns) {
        StringBuilder b = new StringBuilder("{\"model\":\"m\",\"max_tokens\":100,\"messages\":[");
        for (int i = 0; i < turns.size(); i++) {
            b.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"").append(turns.get(i)).append("\"}");
        }
        ParseResult r = PARSER.parse(ApiFormat.ANTHROPIC_MESSAGES, b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        return ((ParseResult.Parsed) r).request().claimed();
    }

    @Test
    void answersAsTheCaffeineLedgerDoesThroughExpiryAndRenewal() {
        MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
        InMemoryHistoryLedger caffeine = new InMemoryHistoryLedger(clock);
        InMemoryHistoryLedger twin = InMemoryHistoryLedger.singleThreaded(clock);
        SplittableRandom random = new SplittableRandom(3);
        List<List<String>> conversations = new ArrayList<>();
        long nonZero = 0;
        for (int step = 0; step < 20_000; step++) {
            List<String> turns;
            if (conversations.isEmpty() || random.nextInt(4) == 0) {
                turns = new ArrayList<>(List.of("ask " + random.nextInt(50)));
                conversations.add(turns);
            } else {
                List<String> base = conversations.get(random.nextInt(conversations.size()));
                turns = new ArrayList<>(base.subList(0, 1 + 2 * random.nextInt((base.size() + 1) / 2)));
                turns.add("answer " + random.nextInt(3));
                turns.add(random.nextInt(5) == 0 ? "invented " + random.nextInt(9) : "more " + random.nextInt(20));
                if (random.nextBoolean()) {
                    conversations.add(turns);
                }
            }
            ClaimedHistory c = claimed(turns);
            long account = random.nextInt(8);
            long now = clock.millis();
            long expected = caffeine.verified(account, c, now);
            assertThat(twin.verified(account, c, now)).as("step %d", step).isEqualTo(expected);
            nonZero += expected > 0 ? 1 : 0;
            if (random.nextInt(3) != 0) {
                caffeine.record(account, c, now);
                twin.record(account, c, now);
            }
            // mostly seconds, sometimes past the ledger's idle expiry
            clock.advance(random.nextInt(200) == 0 ? InMemoryHistoryLedger.DEFAULT_IDLE.plusSeconds(random.nextInt(2))
                    : Duration.ofSeconds(random.nextInt(600)));
        }
        assertThat(nonZero).as("follow-ups were verified").isGreaterThan(500);
        assertThat(twin.size()).isEqualTo(caffeine.size());
    }
}
