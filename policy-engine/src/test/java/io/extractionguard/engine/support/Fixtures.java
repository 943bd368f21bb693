package io.extractionguard.engine.support;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;

import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;

/** Builders shared by engine tests. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Policy policy(String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            return new PolicyLoader().load(resource, in.readAllBytes());
        } catch (Exception e) {
            throw new IllegalStateException("test policy " + resource + " does not load", e);
        }
    }

    public static InferenceRequest prompt(String userText) {
        return new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "model-x", "", userText, 0, 1, List.of(),
                1024, false, Double.NaN);
    }

    public static ClientIdentity account(String id) {
        return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null, null, null,
                "test-agent", "203.0.113.7", 0);
    }

    public static ClientIdentity account(String id, String tier, String org, String payment, Instant created) {
        return new ClientIdentity(id, ClientIdentity.Source.TRUSTED_HEADER, null, org, tier, created, payment, null,
                "test-agent", "203.0.113.7", 0);
    }
}
