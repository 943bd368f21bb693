package io.extractionguard.loadtest.traffic;

import java.time.Instant;

/**
 * An API account as the trusted edge describes it (the trace contract's identity headers).
 *
 * @param id       x-account-id
 * @param apiKey   the credential it sends (synthetic)
 * @param tier     free, pro or enterprise
 * @param org      x-org-id, null for none
 * @param created  x-account-created
 * @param payment  x-payment-fingerprint, null for none
 * @param client   its client software
 */
record Account(String id, String apiKey, String tier, String org, Instant created, String payment, Infra.Client client) {

    Account withClient(Infra.Client other) {
        return new Account(id, apiKey, tier, org, created, payment, other);
    }
}
