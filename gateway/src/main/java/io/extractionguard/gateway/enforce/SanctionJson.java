package io.extractionguard.gateway.enforce;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.state.Verdict;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Campaign sanctions as JSON: how Redis holds them, the admin API shows them and the export lists their accounts. */
public final class SanctionJson {

    private SanctionJson() {
    }

    public static ObjectNode write(JsonMapper json, CampaignSanction s, boolean withKeys) {
        ObjectNode o = json.createObjectNode().put("id", s.id()).put("action", s.action().name().toLowerCase())
                .put("reason", s.reason()).put("operator", s.operator()).put("created", s.created().toString())
                .put("expires", s.expiresAt().toString()).put("released", s.released() == null ? null : s.released().toString())
                .put("members", s.members().size()).put("linkingValues", s.linking().size());
        if (withKeys) {
            ArrayNode m = o.putArray("memberHashes");
            s.members().stream().sorted().forEach(m::add);
            ArrayNode l = o.putArray("linkingKeys");
            s.linking().stream().sorted().forEach(l::add);
        }
        ArrayNode p = o.putArray("penalised");
        s.penalised().forEach(x -> p.add(penalised(json, x)));
        return o;
    }

    public static ObjectNode penalised(JsonMapper json, CampaignSanction.Penalised p) {
        return json.createObjectNode().put("account", p.accountId()).put("paymentFingerprint", p.paymentFingerprint())
                .put("at", p.at().toString()).put("joined", p.joined());
    }

    public static CampaignSanction read(JsonNode o) {
        Set<Long> members = new HashSet<>();
        o.path("memberHashes").forEach(n -> members.add(n.asLong()));
        Set<Long> linking = new HashSet<>();
        o.path("linkingKeys").forEach(n -> linking.add(n.asLong()));
        List<CampaignSanction.Penalised> penalised = new ArrayList<>();
        o.path("penalised").forEach(n -> penalised.add(readPenalised(n)));
        String released = o.path("released").asString(null);
        return new CampaignSanction(o.path("id").asString(), Verdict.Kind.valueOf(o.path("action").asString().toUpperCase()),
                o.path("reason").asString(""), o.path("operator").asString(""), Instant.parse(o.path("created").asString()),
                Instant.parse(o.path("expires").asString()), members, linking, penalised,
                released == null ? null : Instant.parse(released));
    }

    public static CampaignSanction.Penalised readPenalised(JsonNode n) {
        return new CampaignSanction.Penalised(n.path("account").asString(), n.path("paymentFingerprint").asString(null),
                Instant.parse(n.path("at").asString()), n.path("joined").asBoolean());
    }
}
