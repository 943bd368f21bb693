package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.GatewayInstance;
import io.extractionguard.gateway.support.TestRedis;

/**
 * Two gateway applications (two replicas) sharing one Redis: verdicts decided on one are enforced
 * on the other within a second, and a restarted replica remembers accounts.
 */
class TwoGatewaysSharingRedisTest {

    private static final String PREFIX = TestRedis.uniquePrefix("two-gateways");
    private static GatewayInstance a;
    private static GatewayInstance b;

    @BeforeAll
    static void start() {
        a = GatewayInstance.redis(TestRedis.shared(), PREFIX, Map.of());
        b = GatewayInstance.redis(TestRedis.shared(), PREFIX, Map.of());
    }

    @AfterAll
    static void stop() {
        GatewayInstance.closeAll(TestRedis.shared(), PREFIX, a, b);
    }

    static String account() {
        return "acct-" + UUID.randomUUID();
    }

    static String anthropic(String text, int maxTokens) {
        return "{\"model\":\"claude-test\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    static int post(WebTestClient client, String account, String body) {
        return client.post().uri("/v1/messages")
                .header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectBody().returnResult().getStatus().value();
    }

    @Test
    void aBlockImposedByTheBandsOnOneReplicaIsEnforcedOnTheOther() {
        String harvester = account();
        List<Integer> onA = new ArrayList<>();
        for (int i = 0; i < 30 && !onA.contains(403); i++) {
            String prompt = "You are an expert software engineer. Implement the following python function and show your "
                    + "full reasoning step by step, including every intermediate step. Task " + i + ": write a function "
                    + "that returns the " + (i * 7 % 13) + "th element of an algorithm sequence.";
            onA.add(post(a.client(), harvester, anthropic(prompt, 16000)));
        }
        assertThat(onA).as("the harvesting burst is challenged or blocked on A: %s", onA).contains(403);
        StateStore storeB = b.bean(StateStore.class);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5))
                .until(() -> storeB.verdict(harvester, Instant.now()).isPresent());
        assertThat(storeB.verdict(harvester, Instant.now()).orElseThrow().source()).startsWith("band/");
        // an innocent-looking request from the same account on B is refused too
        assertThat(post(b.client(), harvester, anthropic("What is a good name for a cat?", 32))).isEqualTo(403);
    }

    @Test
    void anOpenAiBatchFileEvaluatedOnOneReplicaStartsABatchOnTheOther() {
        String account = account();
        String line = "{\"custom_id\":\"r\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-test\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n";
        String upload = "--b1\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b1\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" + line + "\r\n--b1--\r\n";
        String fileId = a.client().post().uri("/v1/files").header("x-account-id", account)
                .contentType(MediaType.parseMediaType("multipart/form-data; boundary=b1")).bodyValue(upload)
                .exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody().blockFirst().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        String create = "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}";
        await().atMost(Duration.ofSeconds(2)).until(() -> b.client().post().uri("/v1/batches").header("x-account-id", account)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(create)
                .exchange().expectBody().returnResult().getStatus().value() == 200);
        assertThat(b.client().post().uri("/v1/batches").header("x-account-id", account())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(create)
                .exchange().expectBody().returnResult().getStatus().value()).as("another account").isEqualTo(404);
    }

    @Test
    void operatorVerdictsReachTheOtherReplicaWithinASecondEveryTime() {
        StateStore storeA = a.bean(StateStore.class);
        StateStore storeB = b.bean(StateStore.class);
        List<Double> delaysMs = new ArrayList<>();
        for (int trial = 0; trial < 50; trial++) {
            String account = account();
            Verdict block = new Verdict(Verdict.Kind.BLOCK, Instant.now().plus(10, ChronoUnit.MINUTES), "operator/test",
                    List.of("operator/test"), "propagation trial " + trial);
            long started = System.nanoTime();
            storeA.putVerdict(account, block);
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofNanos(200_000)).pollDelay(Duration.ZERO)
                    .until(() -> storeB.verdict(account, Instant.now()).isPresent());
            delaysMs.add((System.nanoTime() - started) / 1e6);
            if (trial == 0) {
                assertThat(post(b.client(), account, anthropic("hello", 16))).isEqualTo(403);
            }
        }
        Collections.sort(delaysMs);
        System.out.printf("[measure] verdict propagation A->B over %d trials: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
                + "max %.2f ms%n", delaysMs.size(), delaysMs.get(24), delaysMs.get(44), delaysMs.get(49),
                delaysMs.get(49));
        assertThat(delaysMs.get(delaysMs.size() - 1)).isLessThan(1000);
    }

    @Test
    void aRestartedReplicaRemembersTheAccountsProfileAndVerdict() {
        String account = account();
        for (int i = 0; i < 6; i++) {
            assertThat(post(a.client(), account, anthropic("Please show your full reasoning about question " + i, 64)))
                    .isEqualTo(200);
        }
        Verdict challenge = new Verdict(Verdict.Kind.CHALLENGE, Instant.now().plus(10, ChronoUnit.MINUTES)
                .truncatedTo(ChronoUnit.MILLIS), "operator/test", List.of("operator/test"), "restart test");
        a.bean(StateStore.class).putVerdict(account, challenge);

        a.close(); // writes what it buffered
        a = GatewayInstance.redis(TestRedis.shared(), PREFIX, Map.of());

        StateStore restarted = a.bean(StateStore.class);
        assertThat(restarted.verdict(account, Instant.now())).as("verdicts are loaded before traffic").contains(challenge);
        assertThat(post(a.client(), account, anthropic("hello again", 16))).isEqualTo(403);
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            ProfileStats stats = restarted.peek(account, Instant.now(), 4).orElseThrow();
            assertThat(stats.totalRequests()).isGreaterThanOrEqualTo(6);
            assertThat(stats.cotShare()).isGreaterThan(0.4);
        });
    }
}
