package io.extractionguard.engine.enforce;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.extractionguard.engine.state.Verdict;

/**
 * An operator's action on a whole campaign: every member account, and every new account that links
 * to the campaign through one of its strong linking values, gets a {@code action} verdict until
 * {@code expiresAt}. Accounts are known by their campaign sampling hash ({@code accountHash & Long.MAX_VALUE},
 * the form campaign state keeps); {@code penalised} lists the accounts the sanction has reached so
 * far, by id (known when one of their requests is decided, or from recent decisions at the action).
 *
 * @param id        {@code sanction-<uuid>}
 * @param action    BLOCK or CHALLENGE
 * @param reason    the operator's justification (audited, never shown to clients)
 * @param operator  who imposed it
 * @param created   when
 * @param expiresAt when it lapses (TTL)
 * @param members   sampling hashes of the campaign's accounts at the action
 * @param linking   tagged keys of the values linking the campaign ({@link SanctionKeys})
 * @param penalised accounts reached, each with its payment fingerprint if the edge supplied one
 * @param released  when an operator released it, or null
 */
public record CampaignSanction(String id, Verdict.Kind action, String reason, String operator, Instant created,
                               Instant expiresAt, Set<Long> members, Set<Long> linking, List<Penalised> penalised,
                               Instant released) {

    /** An account the sanction reached. */
    public record Penalised(String accountId, String paymentFingerprint, Instant at, boolean joined) {
    }

    public CampaignSanction {
        members = Set.copyOf(members);
        linking = Set.copyOf(linking);
        penalised = List.copyOf(penalised);
        if (action != Verdict.Kind.BLOCK && action != Verdict.Kind.CHALLENGE) {
            throw new IllegalArgumentException("a campaign sanction blocks or challenges, was " + action);
        }
    }

    public boolean isActiveAt(Instant now) {
        return released == null && now.isBefore(expiresAt);
    }

    /** The reason id on decisions and verdicts it causes. */
    public String reasonId() {
        return "campaign-sanction/" + id;
    }

    /** This sanction with {@code p} reached (the member hash added when it joined by a linking value). */
    public CampaignSanction with(Penalised p, long accountHash) {
        for (Penalised q : penalised) {
            if (q.accountId().equals(p.accountId())) {
                return this;
            }
        }
        Set<Long> m = new java.util.HashSet<>(members);
        m.add(accountHash & Long.MAX_VALUE);
        List<Penalised> list = new java.util.ArrayList<>(penalised);
        list.add(p);
        return new CampaignSanction(id, action, reason, operator, created, expiresAt, m, linking, list, released);
    }

    public CampaignSanction releasedAt(Instant at) {
        return new CampaignSanction(id, action, reason, operator, created, expiresAt, members, linking, penalised, at);
    }
}
