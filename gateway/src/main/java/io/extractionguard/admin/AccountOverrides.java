package io.extractionguard.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.extractionguard.engine.policy.Durations;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.operators.Operator;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An operator's change to an account's standing (block, challenge, allow, release), for the admin API
 * and the console alike: validated, written to the audit trail naming the operator, and only then
 * applied to the shared state store. An override that cannot be audited is not applied.
 */
public final class AccountOverrides {

    static final Duration MAX_TTL = Duration.ofDays(365);

    /** What became of a request for an override. */
    public sealed interface Outcome {
        /** Applied: the account now stands under {@code verdict}. */
        record Applied(Verdict verdict) implements Outcome {
        }

        /** Released: the account's {@code previous} verdict is gone. */
        record Released(Verdict.Kind previous) implements Outcome {
        }

        /** Not done because the request was wrong ({@code notFound}: nothing to release). */
        record Refused(String message, boolean notFound) implements Outcome {
        }
    }

    private final StateStore store;
    private final AuditTrail audit;
    private final JsonMapper json;
    private final Clock clock;

    public AccountOverrides(StateStore store, AuditTrail audit, JsonMapper json, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    /** Puts {@code account} under a {@code kind} verdict for {@code ttl} (e.g. {@code 7d}), audited first. */
    public Mono<Outcome> override(Operator operator, String account, Verdict.Kind kind, String ttl, String reason) {
        return override(operator, account, kind, ttl, reason, null);
    }

    /** As {@link #override(Operator, String, Verdict.Kind, String, String)}, as part of acting on {@code campaign} (recorded). */
    public Mono<Outcome> override(Operator operator, String account, Verdict.Kind kind, String ttl, String reason,
                                  String campaign) {
        String why = reason == null ? "" : reason.trim();
        Optional<Duration> duration = Durations.parse(ttl);
        if (why.isEmpty()) {
            return Mono.just(new Outcome.Refused("reason: required (why this override, e.g. a ticket reference)", false));
        }
        if (duration.isEmpty() || duration.get().compareTo(MAX_TTL) > 0) {
            return Mono.just(new Outcome.Refused("ttl: required, a duration such as 30m, 24h or 7d, at most 365d", false));
        }
        String action = kind.name().toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        Verdict verdict = new Verdict(kind, now.plus(duration.get()), "operator/" + operator.name(),
                List.of("operator/" + action), why);
        Optional<Verdict> previous = store.verdict(account, now);
        return audited(operator, action, account, campaign, why, duration.get(), previous, () -> store.putVerdict(account, verdict))
                .thenReturn(new Outcome.Applied(verdict));
    }

    /** Removes {@code account}'s block, challenge or allowance, audited first. */
    public Mono<Outcome> release(Operator operator, String account, String reason) {
        return release(operator, account, reason, null);
    }

    /** As {@link #release(Operator, String, String)}, as part of acting on {@code campaign} (recorded). */
    public Mono<Outcome> release(Operator operator, String account, String reason, String campaign) {
        String why = reason == null ? "" : reason.trim();
        if (why.isEmpty()) {
            return Mono.just(new Outcome.Refused("reason: required (why the account is released)", false));
        }
        Optional<Verdict> previous = store.verdict(account, clock.instant());
        if (previous.isEmpty()) {
            return Mono.just(new Outcome.Refused("account " + account + " has no active verdict to release", true));
        }
        return audited(operator, "release", account, campaign, why, null, previous, () -> store.clearVerdict(account, clock.instant()))
                .thenReturn(new Outcome.Released(previous.get().kind()));
    }

    /** Writes the audit record (blocking I/O, on a worker thread), then applies the change. */
    private Mono<Boolean> audited(Operator operator, String action, String account, String campaign, String reason,
                                  Duration ttl, Optional<Verdict> previous, Runnable change) {
        ObjectNode record = record(json, operator, action);
        record.put("account", account).put("reason", reason);
        if (campaign != null) {
            record.put("campaign", campaign);
        }
        if (ttl != null) {
            record.put("ttl", ttl.toString()).put("expires", clock.instant().plus(ttl).toString());
        }
        previous.ifPresent(v -> record.put("previous", v.kind().name() + " by " + v.source()));
        return Mono.fromCallable(() -> {
            audit.record("operator", json.writeValueAsString(record));
            change.run();
            return true;
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /** An operator action's audit record: the authenticated principal, how it authenticated, the action. */
    static ObjectNode record(JsonMapper json, Operator operator, String action) {
        return json.createObjectNode().put("actor", operator.name()).put("auth", operator.credential().label())
                .put("action", action);
    }
}
