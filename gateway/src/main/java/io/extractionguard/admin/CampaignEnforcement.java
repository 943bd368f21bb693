package io.extractionguard.admin;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.Operator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Imposes a sanction on a whole campaign (see {@link AdminEnforcementApi}), for the admin API and the
 * console alike: one audit record naming the operator, then the sanction (members now, accounts that
 * link the same way later), then the verdicts of the members this replica can name.
 */
public final class CampaignEnforcement {

    /** What an imposed sanction reached at once. */
    public record Imposed(CampaignSanction sanction, int members, int penalisedNow, int linkingValues) {
    }

    /** What releasing a sanction undid. */
    public record Released(java.time.Instant at, int verdictsCleared) {
    }

    private final GuardEngine engine;
    private final StateStore store;
    private final AuditTrail audit;
    private final RecentDecisions recent;
    private final JsonMapper json;
    private final Clock clock;

    public CampaignEnforcement(GuardEngine engine, StateStore store, AuditTrail audit, RecentDecisions recent, JsonMapper json,
                               Clock clock) {
        this.engine = engine;
        this.store = store;
        this.audit = audit;
        this.recent = recent;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Imposes {@code action} for {@code ttl} on {@code campaign} (one of {@link GuardEngine#sanctionableCampaigns}).
     * Blocking (the audit write): call it off the event loop.
     *
     * @throws IOException when the audit record could not be written (then nothing was imposed)
     */
    public Imposed impose(Operator operator, CampaignListing.Campaign campaign, Verdict.Kind action, Duration ttl,
                          String reason, String seed) throws IOException {
        Instant now = clock.instant();
        Set<Long> linking = new HashSet<>();
        for (CampaignListing.Value v : campaign.values()) {
            if (v.followedBySanctions()) {
                linking.add(v.sanctionKey());
            }
        }
        CampaignSanction sanction = new CampaignSanction("sanction-" + UUID.randomUUID(), action, reason, operator.name(), now,
                now.plus(ttl), new HashSet<>(campaign.accounts()), linking, List.of(), null);
        ObjectNode record = AccountOverrides.record(json, operator, "campaign-enforce").put("sanction", sanction.id())
                .put("enforce", action.name().toLowerCase(Locale.ROOT)).put("seed", seed).put("reason", reason)
                .put("ttl", ttl.toString()).put("expires", sanction.expiresAt().toString())
                .put("members", campaign.accounts().size()).put("linkingValues", linking.size())
                .put("policy", engine.policy().label());
        audit.record("operator", json.writeValueAsString(record));
        engine.sanctions().put(sanction);
        // members this replica has decided lately are known by id: their verdicts now, the rest at their next request
        Map<Long, String> known = new HashMap<>();
        for (String id : recent.accounts()) {
            known.put(Indicators.accountHash(id) & Long.MAX_VALUE, id);
        }
        int penalisedNow = 0;
        for (Long member : campaign.accounts()) {
            String id = known.get(member);
            if (id != null) {
                store.putVerdict(id, new Verdict(action, sanction.expiresAt(), "campaign/" + sanction.id(),
                        List.of(sanction.reasonId()), reason));
                engine.sanctions().reached(sanction.id(), new CampaignSanction.Penalised(id, null, now, false), member);
                penalisedNow++;
            }
        }
        return new Imposed(sanction, campaign.accounts().size(), penalisedNow, linking.size());
    }

    /**
     * Lifts {@code s} (audited first) and clears the verdicts it put. Blocking: call it off the event loop.
     *
     * @throws IOException when the audit record could not be written (then nothing was released)
     */
    public Released release(Operator operator, CampaignSanction s, String reason) throws IOException {
        ObjectNode record = AccountOverrides.record(json, operator, "campaign-release").put("sanction", s.id())
                .put("reason", reason).put("penalised", s.penalised().size());
        audit.record("operator", json.writeValueAsString(record));
        Instant now = clock.instant();
        engine.sanctions().release(s.id(), now);
        int cleared = 0;
        for (CampaignSanction.Penalised p : s.penalised()) {
            java.util.Optional<Verdict> v = store.verdict(p.accountId(), now);
            if (v.isPresent() && v.get().source().equals("campaign/" + s.id()) && store.clearVerdict(p.accountId(), now)) {
                cleared++;
            }
        }
        return new Released(now, cleared);
    }
}
