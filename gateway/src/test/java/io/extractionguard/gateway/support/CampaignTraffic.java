package io.extractionguard.gateway.support;

import java.time.Duration;
import java.time.Instant;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Requests shaped like a templated hydra campaign (and ordinary ones), for the campaign tests. */
public final class CampaignTraffic {

    private CampaignTraffic() {
    }

    /** Sends one Anthropic request as {@code account} paying with {@code card}; returns the status. */
    public static int post(WebTestClient client, String account, String card, String prompt, int maxTokens) {
        return client.post().uri("/v1/messages")
                .header("x-account-id", account)
                .header("x-payment-fingerprint", card)
                .header("x-account-created", Instant.now().minus(Duration.ofHours(2)).toString())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                        + prompt + "\"}]}")
                .exchange().expectBody().returnResult().getStatus().value();
    }

    /** Task {@code task} of one capability-focused, reasoning-eliciting template. */
    public static String templated(int task) {
        return "You are an expert python engineer. Implement a solution to the following problem and show your full "
                + "reasoning, including every intermediate step, before writing the final code. Problem " + task
                + ": given an array of " + (task * 7 % 50) + " integers, return the length of the longest subarray "
                + "whose sum is divisible by " + (task % 9 + 2) + ".";
    }
}
