package io.extractionguard.admin;

import java.util.List;

import io.extractionguard.engine.decision.Explanation;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.decision.GuardRequest;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.InferenceRequest;

/** An account's standing as the engine sees it now, without a request: for the admin API's and the console's account views. */
public final class AccountExplainer {

    private AccountExplainer() {
    }

    /** Explains {@code account} for an empty request (nothing recorded). */
    public static Explanation explain(GuardEngine engine, String account) {
        ClientIdentity identity = new ClientIdentity(account, ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null,
                null, null, null, "", 0);
        InferenceRequest empty = new InferenceRequest(ApiFormat.ANTHROPIC_MESSAGES, "", "", "", 0, 0, List.of(), -1, false,
                Double.NaN);
        return engine.explain(new GuardRequest(identity, empty));
    }
}
