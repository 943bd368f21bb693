package io.extractionguard.gateway.policy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** Shows the active policy and the outcome of the last reload under {@code /actuator/info}. */
@Component
public class PolicyInfoContributor implements InfoContributor {

    private final PolicyReloader reloader;

    public PolicyInfoContributor(PolicyReloader reloader) {
        this.reloader = reloader;
    }

    @Override
    public void contribute(Info.Builder builder) {
        PolicyReloader.Status s = reloader.status();
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("version", s.activeVersion());
        policy.put("hash", s.activeHash());
        policy.put("source", s.source());
        policy.put("loadedAt", String.valueOf(s.loadedAt()));
        if (s.lastAttemptAt() != null) {
            policy.put("lastReloadAt", s.lastAttemptAt().toString());
        }
        policy.put("lastReloadErrors", s.lastErrors());
        builder.withDetail("policy", policy);
    }
}
