package io.extractionguard.admin;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.policy.Durations;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.enforce.SanctionJson;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.Role;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Enforcement on a whole campaign ({@code docs/intel.md}): {@code POST /admin/campaigns/enforce}
 * blocks or challenges every account of the campaign an account belongs to — linked through strong
 * payment, system-prompt or template links ({@link SanctionKeys}): members now, and new accounts that
 * link to it the same way — with a TTL and a reason, in one audited action.
 * {@code GET /admin/sanctions} lists sanctions; {@code GET /admin/sanctions/{id}/penalised} exports
 * the accounts reached and their payment fingerprints as JSON lines (also sent to the enforcement
 * webhook as they happen); {@code POST /admin/sanctions/{id}/release} lifts it, audited the same way.
 */
final class AdminEnforcementApi {

    static final Duration MAX_TTL = Duration.ofDays(365);

    private final OperatorAccess access;
    private final GuardEngine engine;
    private final StateStore store;
    private final AuditTrail audit;
    private final JsonMapper json;
    private final Clock clock;
    private final CampaignEnforcement enforcement;

    AdminEnforcementApi(OperatorAccess access, GuardEngine engine, StateStore store, AuditTrail audit,
                        RecentDecisions recent, JsonMapper json, Clock clock) {
        this.access = access;
        this.engine = engine;
        this.store = store;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.enforcement = new CampaignEnforcement(engine, store, audit, recent, json, clock);
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .POST(AdminApi.BASE + "/campaigns/enforce", access.requires(Role.OVERRIDE, this::enforce))
                .GET(AdminApi.BASE + "/sanctions", access.requires(Role.READ, this::list))
                .GET(AdminApi.BASE + "/sanctions/{id}/penalised", access.requires(Role.READ, this::penalised))
                .POST(AdminApi.BASE + "/sanctions/{id}/release", access.requires(Role.OVERRIDE, this::release))
                .build();
    }

    private Mono<ServerResponse> enforce(ServerRequest r) {
        return AdminApi.withBody(json, r, body -> {
            String account = body.path("account").asString("").trim();
            String reason = body.path("reason").asString("").trim();
            String action = body.path("action").asString("").trim().toLowerCase(Locale.ROOT);
            Optional<Duration> ttl = Durations.parse(body.path("ttl").asString(null));
            if (account.isEmpty()) {
                return AdminApi.badRequest(json, "account: required, an account of the campaign");
            }
            if (reason.isEmpty()) {
                return AdminApi.badRequest(json, "reason: required (why, e.g. a ticket reference)");
            }
            if (!action.equals("block") && !action.equals("challenge")) {
                return AdminApi.badRequest(json, "action: block or challenge (degraded service is a policy band, "
                        + "not a campaign action yet)");
            }
            if (ttl.isEmpty() || ttl.get().isZero() || ttl.get().compareTo(MAX_TTL) > 0) {
                return AdminApi.badRequest(json, "ttl: required, a duration such as 24h or 30d, at most 365d");
            }
            long hash = Indicators.accountHash(account) & Long.MAX_VALUE;
            return Mono.fromCallable(() -> engine.sanctionableCampaigns(CampaignListing.MAX_SCANNED).stream()
                            .filter(c -> c.accounts().contains(hash)).findFirst())
                    .subscribeOn(Schedulers.boundedElastic()).flatMap(campaign -> campaign.isEmpty()
                            ? error(HttpStatus.NOT_FOUND, "account " + account + " is not linked to a campaign now "
                                    + "(GET /admin/campaigns); block it alone with POST /admin/accounts/{a}/block")
                            : impose(r, campaign.get(), Verdict.Kind.valueOf(action.toUpperCase(Locale.ROOT)), ttl.get(),
                                    reason, account));
        });
    }

    private Mono<ServerResponse> impose(ServerRequest r, CampaignListing.Campaign campaign, Verdict.Kind action,
                                        Duration ttl, String reason, String seed) {
        return Mono.fromCallable(() -> {
            CampaignEnforcement.Imposed i = enforcement.impose(OperatorAccess.operator(r), campaign, action, ttl, reason, seed);
            return json.createObjectNode().put("sanction", i.sanction().id()).put("members", i.members())
                    .put("penalisedNow", i.penalisedNow()).put("linkingValues", i.linkingValues())
                    .put("expires", i.sanction().expiresAt().toString());
        }).subscribeOn(Schedulers.boundedElastic()).flatMap(o -> respond(HttpStatus.OK, o));
    }

    private Mono<ServerResponse> list(ServerRequest r) {
        ObjectNode o = json.createObjectNode();
        ArrayNode list = o.putArray("sanctions");
        Instant now = clock.instant();
        for (CampaignSanction s : engine.sanctions().all()) {
            list.add(SanctionJson.write(json, s, false).put("active", s.isActiveAt(now)));
        }
        return respond(HttpStatus.OK, o);
    }

    private Optional<CampaignSanction> find(String id) {
        return engine.sanctions().all().stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** JSON lines, one per account reached: for billing and identity systems. */
    private Mono<ServerResponse> penalised(ServerRequest r) {
        Optional<CampaignSanction> s = find(r.pathVariable("id"));
        if (s.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "no sanction " + r.pathVariable("id"));
        }
        StringBuilder lines = new StringBuilder();
        for (CampaignSanction.Penalised p : s.get().penalised()) {
            lines.append(json.writeValueAsString(SanctionJson.penalised(json, p).put("sanction", s.get().id())
                    .put("action", s.get().action().name().toLowerCase(Locale.ROOT))
                    .put("expires", s.get().expiresAt().toString()))).append('\n');
        }
        return ServerResponse.ok().contentType(MediaType.parseMediaType("application/x-ndjson"))
                .bodyValue(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    private Mono<ServerResponse> release(ServerRequest r) {
        String id = r.pathVariable("id");
        return AdminApi.withBody(json, r, body -> {
            String reason = body.path("reason").asString("").trim();
            if (reason.isEmpty()) {
                return AdminApi.badRequest(json, "reason: required (why the campaign is released)");
            }
            Optional<CampaignSanction> s = find(id);
            if (s.isEmpty() || s.get().released() != null) {
                return error(HttpStatus.NOT_FOUND, "no active sanction " + id);
            }
            return Mono.fromCallable(() -> {
                CampaignEnforcement.Released rel = enforcement.release(OperatorAccess.operator(r), s.get(), reason);
                return json.createObjectNode().put("sanction", id).put("released", rel.at().toString())
                        .put("verdictsCleared", rel.verdictsCleared());
            }).subscribeOn(Schedulers.boundedElastic()).flatMap(o -> respond(HttpStatus.OK, o));
        });
    }

    private Mono<ServerResponse> respond(HttpStatus status, JsonNode body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(body));
    }

    private Mono<ServerResponse> error(HttpStatus status, String message) {
        return respond(status, json.createObjectNode().put("error", message));
    }
}
