package io.extractionguard.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.gateway.support.TestBackend;

/**
 * Issue 16, the red team's repro (r-attack hole 1) through a real gateway to the demo backend with the shipped policy:
 * the README's harvesting task moved into a document behind a varied stub and a faked greeting turn. Before the
 * parser read documents, 40 of 40 were answered (score at most 21); now the task is read where the model reads it and
 * the burst is stopped like the plain README burst. Enterprise tier, so no tier limit stops it first.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class AttachedContentBurstTest {

    private static final String[] STUBS = {"Please handle the attached item.", "See the file.",
        "Do what the document says.", "Attached: today's job.", "Work through the enclosed.", "Here it is.",
        "The attachment has it.", "Over to you, details inside.", "Your turn with this one.", "As discussed, in the doc."};
    private static final String[] GREETINGS = {"hi", "hello", "hey there", "good morning"};
    private static final String[] REPLIES = {"Hello! How can I help?", "Hi, what do you need?"};

    @DynamicPropertySource
    static void backend(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
    }

    @Autowired
    WebTestClient client;

    static String task(int i) {
        return "You are an expert engineer. Implement the python function below and show your full reasoning, "
                + "including every intermediate step. Task " + i + ": return the " + i + "th element of an algorithm "
                + "sequence.";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The stealth shape: a greeting, a reply, then the document and a stub. */
    private static String stealth(int i, String document) {
        return "{\"model\":\"claude-test\",\"max_tokens\":16000,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"" + GREETINGS[i % GREETINGS.length] + "\"},"
                + "{\"role\":\"assistant\",\"content\":\"" + REPLIES[i % REPLIES.length] + "\"},"
                + "{\"role\":\"user\",\"content\":[" + document + ",{\"type\":\"text\",\"text\":\""
                + STUBS[(i * 7) % STUBS.length] + "\"}]}]}";
    }

    /** The last response's {@code RateLimit} header: what remains of the limits its risk band leaves the account. */
    private String lastPolicy;

    private List<Integer> burst(int n, IntFunction<String> body) {
        return burst(n, body, null, null);
    }

    /** A burst from {@code address} (the edge's x-forwarded-for) with its own {@code userAgent}; null: the test client's. */
    private List<Integer> burst(int n, IntFunction<String> body, String address, String userAgent) {
        String account = "acct-" + UUID.randomUUID();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            var result = client.post().uri("/v1/messages")
                    .header("x-account-id", account)
                    .header("x-account-tier", "enterprise")
                    .header("x-api-key", "sk-test-secret-key")
                    .headers(h -> {
                        if (address != null) {
                            h.set("x-forwarded-for", address);
                            h.set("user-agent", userAgent);
                        }
                    })
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body.apply(i))
                    .exchange().returnResult(Void.class);
            statuses.add(result.getStatus().value());
            lastPolicy = result.getResponseHeaders().getFirst("RateLimit");
        }
        return statuses;
    }

    /** {@code r} of {@code "requests";r=296;t=...}: requests left this window (600 a minute, 300 in the watch band). */
    private static int remaining(String rateLimit) {
        var m = java.util.regex.Pattern.compile("\"requests\";r=(\\d+)").matcher(rateLimit);
        assertThat(m.find()).as(rateLimit).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static void stoppedLikeThePlainBurst(List<Integer> statuses) {
        int firstForbidden = statuses.indexOf(403);
        assertThat(firstForbidden).as("challenged or blocked within 10 requests: %s", statuses).isBetween(1, 9);
        assertThat(statuses.subList(firstForbidden, statuses.size())).as("nothing after the 403: %s", statuses)
                .doesNotContain(200);
    }

    @Test
    void theTaskInATextDocumentBehindAStubAndAFakedGreetingIsStopped() {
        stoppedLikeThePlainBurst(burst(20, i -> stealth(i, "{\"type\":\"document\",\"source\":{\"type\":\"text\","
                + "\"media_type\":\"text/plain\",\"data\":\"" + task(i) + "\"}}")));
    }

    @Test
    void theTaskInABase64TextDocumentIsStopped() {
        stoppedLikeThePlainBurst(burst(20, i -> stealth(i, "{\"type\":\"document\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"text/plain\",\"data\":\"" + b64(task(i)) + "\"}}")));
    }

    @Test
    void theTaskInADocumentTitleAndContextIsStopped() {
        stoppedLikeThePlainBurst(burst(20, i -> stealth(i, "{\"type\":\"document\",\"title\":\"" + task(i) + "\","
                + "\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\".\"}}")));
    }

    @Test
    void anOpaqueDocumentBurstAskingForLongAnswersIsThrottled() {
        // a PDF the guard cannot read: its ask is unknown, so with a 16000-token budget it counts as a reasoning ask;
        // with the long budget that is the watch band (half the tier's limits), as for an unrecognised reasoning ask
        List<Integer> statuses = burst(14, i -> stealth(i, "{\"type\":\"document\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"application/pdf\",\"data\":\"" + b64("%PDF-1.7 task " + i) + "\"}}"));
        assertThat(remaining(lastPolicy)).as("statuses %s, %s", statuses, lastPolicy).isLessThan(300);
    }

    @Test
    void aPersonAskingShortQuestionsAboutPdfsIsServed() {
        // from an address and a client of its own (the shared context's other tests are many accounts on 127.0.0.1
        // with one client). Fifteen at machine pace may reach the watch band by their timing, PDF or not (its limits
        // are not this test's subject); counting the unreadable PDF as a reasoning ask challenges from the tenth
        IntFunction<String> question = i -> "{\"type\":\"text\",\"text\":\"What is the total on invoice " + i + "?\"}";
        List<Integer> statuses = burst(15, i -> "{\"model\":\"claude-test\",\"max_tokens\":1024,\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":"
                + "\"application/pdf\",\"data\":\"" + b64("%PDF-1.7 invoice " + i) + "\"}}," + question.apply(i) + "]}]}",
                "198.51.100.7", "invoice-app/" + UUID.randomUUID());
        assertThat(statuses).as("%s, %s", statuses, lastPolicy).containsOnly(200);
    }
}
