package io.extractionguard.console;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import io.extractionguard.admin.AccountOverrides;
import io.extractionguard.admin.CampaignEnforcement;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.policy.PolicyReloader;
import tools.jackson.databind.json.JsonMapper;

/** What the console's pages read and act through: the same components the admin API uses. */
record ConsoleContext(GuardEngine engine, StateStore store, RecentDecisions recent, AuditTrail audit,
                      PolicyReloader reloader, AccountOverrides overrides, CampaignEnforcement enforcement, JsonMapper json,
                      Clock clock) {

    /**
     * Account ids by sampling hash, for the accounts this replica decided within the last hour
     * (campaign state holds hashes only; others show as {@code #hash}).
     */
    Map<Long, String> names() {
        Map<Long, String> names = new HashMap<>();
        for (String id : recent.accounts()) {
            names.put(Indicators.accountHash(id) & Long.MAX_VALUE, id);
        }
        return names;
    }

    static String name(Map<Long, String> names, long hash) {
        String id = names.get(hash);
        return id != null ? id : "#" + Long.toHexString(hash);
    }
}
