package io.extractionguard.gateway.enforce;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.spi.CampaignSanctions;
import tools.jackson.databind.json.JsonMapper;

/** Campaign sanctions that tell the enforcement webhook what they do. */
public final class NotifyingCampaignSanctions implements CampaignSanctions {

    private final CampaignSanctions delegate;
    private final EnforcementWebhook webhook;
    private final JsonMapper json;

    public NotifyingCampaignSanctions(CampaignSanctions delegate, EnforcementWebhook webhook, JsonMapper json) {
        this.delegate = delegate;
        this.webhook = webhook;
        this.json = json;
    }

    @Override
    public void put(CampaignSanction sanction) {
        delegate.put(sanction);
        webhook.send(json.writeValueAsString(SanctionJson.write(json, sanction, false).put("event", "sanction-imposed")));
    }

    @Override
    public void reached(String id, CampaignSanction.Penalised penalised, long accountHash) {
        delegate.reached(id, penalised, accountHash);
        CampaignSanction s = delegate.all().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
        var line = SanctionJson.penalised(json, penalised).put("event", "account-penalised").put("sanction", id);
        if (s != null) {
            line.put("action", s.action().name().toLowerCase()).put("expires", s.expiresAt().toString());
        }
        webhook.send(json.writeValueAsString(line));
    }

    @Override
    public Optional<CampaignSanction> release(String id, Instant at) {
        Optional<CampaignSanction> s = delegate.release(id, at);
        s.ifPresent(x -> webhook.send(json.writeValueAsString(SanctionJson.write(json, x, false).put("event", "sanction-released"))));
        return s;
    }

    @Override
    public List<CampaignSanction> all() {
        return delegate.all();
    }
}
