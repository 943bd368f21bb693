package io.extractionguard.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.support.Fixtures;

/** Replay runs cross-account correlation on the trace's clock, and the same trace always gives the same decisions. */
class CampaignReplayTest {

    private static String line(Instant ts, String account, String card, String text) {
        return "{\"ts\":\"" + ts + "\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.0.1\","
                + "\"headers\":{\"x-account-id\":\"" + account + "\",\"x-payment-fingerprint\":\"" + card
                + "\",\"x-forwarded-for\":\"198.51.100." + Math.floorMod(account.hashCode(), 250) + "\"},"
                + "\"body\":{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}";
    }

    private static byte[] trace() {
        StringBuilder b = new StringBuilder();
        Instant t = Instant.parse("2026-03-02T00:00:00Z");
        int task = 0;
        for (int round = 0; round < 4; round++) {
            for (int a = 0; a < 8; a++) {
                t = t.plusSeconds(20);
                task++;
                b.append(line(t, "acct-hydra-" + a, "pf-pool",
                        "You are an expert engineer. Implement the python function below and show your full reasoning including "
                                + "every intermediate step. Task " + task + ": given an array of " + task * 3
                                + " integers return the largest sum of a window of length " + (task % 7 + 2) + ".")).append('\n');
            }
        }
        b.append(line(t.plusSeconds(60), "acct-hydra-fresh", "pf-pool", "You are an expert engineer. Implement the python "
                + "function below and show your full reasoning including every intermediate step. Task 999: given an array "
                + "of 12 integers return the largest sum of a window of length 4.")).append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<Decision> replay() throws Exception {
        List<Decision> out = new ArrayList<>();
        new Replay(Fixtures.policy("/policies/campaign-test.yaml"), Replay.DEFAULT_CREDENTIAL_KEY, java.time.Clock.systemUTC())
                .run(new ByteArrayInputStream(trace()), (l, r) -> { }, (record, d) -> out.add(d));
        return out;
    }

    @Test
    void aFreshClusterAccountIsRefusedOnItsFirstRequestInReplayToo() throws Exception {
        List<Decision> decisions = replay();
        Decision fresh = decisions.get(decisions.size() - 1);
        assertThat(fresh.accountId()).isEqualTo("acct-hydra-fresh");
        assertThat(fresh.contributions()).anyMatch(c -> c.signal().equals("campaign/template"));
        assertThat(fresh.contributions()).anyMatch(c -> c.signal().equals("campaign/payment"));
        assertThat(fresh.action().name()).isIn("CHALLENGE", "BLOCK");
    }

    @Test
    void replayingATraceTwiceGivesIdenticalDecisions() throws Exception {
        assertThat(replay()).isEqualTo(replay());
    }
}
