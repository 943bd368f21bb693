package io.extractionguard.admin;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.decision.Arrival;
import io.extractionguard.engine.decision.Explained;
import io.extractionguard.engine.decision.Explanation;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.policy.PolicyReloader;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The operators' admin API (management port; who may call what: {@link OperatorAccess}, reference:
 * {@code docs/operations.md}). Overrides go through the shared state store, so they take effect on
 * every replica; each one is written to the audit trail first, naming the authenticated operator, and
 * an override that cannot be audited is not applied.
 */
final class AdminApi {

    static final String BASE = "/admin";
    private final OperatorAccess access;
    private final GuardEngine engine;
    private final AccountOverrides overrides;
    private final AuditTrail audit;
    private final RecentDecisions recent;
    private final PolicyReloader reloader;
    private final JsonMapper json;

    AdminApi(OperatorAccess access, GuardEngine engine, StateStore store, AuditTrail audit, RecentDecisions recent, PolicyReloader reloader,
             JsonMapper json, Clock clock) {
        this.access = access;
        this.engine = engine;
        this.overrides = new AccountOverrides(store, audit, json, clock);
        this.audit = audit;
        this.recent = recent;
        this.reloader = reloader;
        this.json = json;
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET(BASE + "/accounts/{account}", access.requires(Role.READ, this::account))
                .POST(BASE + "/accounts/{account}/allow", access.requires(Role.OVERRIDE, r -> override(r, Verdict.Kind.ALLOW)))
                .POST(BASE + "/accounts/{account}/block", access.requires(Role.OVERRIDE, r -> override(r, Verdict.Kind.BLOCK)))
                .POST(BASE + "/accounts/{account}/release", access.requires(Role.OVERRIDE, this::release))
                .POST(BASE + "/explain", access.requires(Role.READ, this::explain))
                .GET(BASE + "/policy", access.requires(Role.READ, r -> ok(policyStatus())))
                .POST(BASE + "/policy/reload", access.requires(Role.POLICY, this::reload))
                .GET(BASE + "/audit/checkpoints", access.requires(Role.READ, this::auditCheckpoints))
                .build();
    }

    /** The signed audit checkpoints (the fleet's, from Redis), one JSON line each: {@code audit-verify --checkpoints}. */
    private Mono<ServerResponse> auditCheckpoints(ServerRequest r) {
        return Mono.fromCallable(() -> {
            StringBuilder lines = new StringBuilder();
            audit.checkpoints().forEach(c -> lines.append(c.line()).append('\n'));
            return lines.toString().getBytes(StandardCharsets.UTF_8);
        }).subscribeOn(Schedulers.boundedElastic())
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.parseMediaType("application/x-ndjson")).bodyValue(body))
                .onErrorResume(java.io.IOException.class, e -> error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()));
    }

    private Mono<ServerResponse> account(ServerRequest r) {
        String account = r.pathVariable("account");
        Explanation e = engine.explainAccount(account);
        ObjectNode o = explanation(e);
        ArrayNode decisions = o.putArray("recentDecisions");
        for (RecentDecisions.Entry entry : recent.of(account)) {
            ObjectNode d = decisions.addObject();
            d.put("at", entry.at().toString()).put("route", entry.route()).put("action", entry.action())
                    .put("score", entry.score());
            if (entry.band() != null) {
                d.put("band", entry.band());
            }
            ArrayNode reasons = d.putArray("reasons");
            entry.reasons().forEach(reasons::add);
        }
        return ok(o);
    }

    private Mono<ServerResponse> override(ServerRequest r, Verdict.Kind kind) {
        String account = r.pathVariable("account");
        return withBody(r, body -> overrides.override(OperatorAccess.operator(r), account, kind,
                body.path("ttl").asString(null), body.path("reason").asString("")).flatMap(o -> answer(account, o)));
    }

    private Mono<ServerResponse> release(ServerRequest r) {
        String account = r.pathVariable("account");
        return withBody(r, body -> overrides.release(OperatorAccess.operator(r), account, body.path("reason").asString(""))
                .flatMap(o -> answer(account, o)));
    }

    private Mono<ServerResponse> answer(String account, AccountOverrides.Outcome outcome) {
        return switch (outcome) {
            case AccountOverrides.Outcome.Applied a -> ok(verdictNode(account, a.verdict()));
            case AccountOverrides.Outcome.Released rel -> {
                ObjectNode o = json.createObjectNode();
                o.put("account", account).put("released", rel.previous().name());
                yield ok(o);
            }
            case AccountOverrides.Outcome.Refused f -> error(f.notFound() ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST, f.message());
        };
    }

    private Mono<ServerResponse> explain(ServerRequest r) {
        return withBody(r, body -> {
            String path = body.path("path").asString("/v1/messages");
            Optional<ApiFormat> format = ApiFormat.forPath(path);
            if (format.isEmpty()) {
                return error(HttpStatus.BAD_REQUEST, "path: must be an inference path (/v1/messages, /v1/chat/completions, /v1/responses)");
            }
            if (!body.path("body").isObject()) {
                return error(HttpStatus.BAD_REQUEST, "body: required, the request body as the client would send it");
            }
            byte[] bytes = json.writeValueAsBytes(body.get("body"));
            Map<String, String> headers = new java.util.HashMap<>();
            body.path("headers").properties().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT),
                    h.getValue().asString("")));
            headers.remove("content-encoding"); // the body is given as JSON, never compressed
            Arrival arrival = new Arrival(format.get(), headers::get, body.path("remote_addr").asString("127.0.0.1"),
                    bytes, bytes.length);
            return switch (engine.explain(arrival)) {
                case Explained.Invalid invalid -> error(HttpStatus.BAD_REQUEST, "body: " + invalid.error().message());
                case Explained.Ready ready -> ok(explanation(ready.explanation()));
            };
        });
    }

    private Mono<ServerResponse> reload(ServerRequest r) {
        return Mono.fromCallable(reloader::reloadNow).subscribeOn(Schedulers.boundedElastic()).flatMap(applied -> {
            ObjectNode o = policyStatus();
            o.put("applied", applied);
            return ok(o);
        });
    }

    private ObjectNode policyStatus() {
        PolicyReloader.Status s = reloader.status();
        ObjectNode o = json.createObjectNode();
        o.put("version", s.activeVersion()).put("hash", s.activeHash()).put("source", s.source())
                .put("loadedAt", String.valueOf(s.loadedAt()));
        ArrayNode errors = o.putArray("lastReloadErrors");
        s.lastErrors().forEach(errors::add);
        return o;
    }

    private ObjectNode explanation(Explanation e) {
        ObjectNode o = json.createObjectNode();
        o.put("account", e.accountId());
        o.put("score", e.score());
        o.put("contributionsSum", e.uncapped());
        o.put("shadowScore", e.shadowScore());
        o.put("action", e.action().name());
        if (e.band() != null) {
            o.put("band", e.band());
        }
        if (e.listed() != null) {
            o.put("listed", e.listed());
        }
        ArrayNode contributions = o.putArray("contributions");
        for (Contribution c : e.contributions()) {
            contributions.addObject().put("signal", c.signal()).put("strength", c.strength()).put("points", c.points())
                    .put("shadow", c.shadow());
        }
        if (e.verdict() != null) {
            o.set("verdict", verdictNode(e.accountId(), e.verdict()));
        }
        if (e.profile() != null) {
            o.set("profile", json.valueToTree(e.profile()));
        }
        o.put("policy", e.policyVersion());
        o.put("note", "explain does not record the request, so cross-account campaign evidence (campaign/...) is not "
                + "evaluated here; an account's recent decisions show the scores and reasons actually applied");
        return o;
    }

    private ObjectNode verdictNode(String account, Verdict v) {
        ObjectNode o = json.createObjectNode();
        o.put("account", account).put("kind", v.kind().name()).put("expiresAt", v.expiresAt().toString())
                .put("source", v.source()).put("note", v.note());
        ArrayNode reasons = o.putArray("reasons");
        v.reasons().forEach(reasons::add);
        return o;
    }

    /** Reads the JSON object body and hands it on; anything else is a 400 naming the problem. */
    private Mono<ServerResponse> withBody(ServerRequest r, java.util.function.Function<JsonNode, Mono<ServerResponse>> then) {
        return withBody(json, r, then);
    }

    /** {@link #withBody(ServerRequest, java.util.function.Function)} for the other admin handlers. */
    static Mono<ServerResponse> withBody(JsonMapper json, ServerRequest r,
                                         java.util.function.Function<JsonNode, Mono<ServerResponse>> then) {
        return r.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]).flatMap(bytes -> {
            if (bytes.length == 0) {
                return then.apply(json.createObjectNode());
            }
            JsonNode node;
            try {
                node = json.readTree(bytes);
            } catch (JacksonException e) {
                return badRequest(json, "request body is not valid JSON");
            }
            return node != null && node.isObject() ? then.apply(node) : badRequest(json, "request body must be a JSON object");
        });
    }

    static Mono<ServerResponse> badRequest(JsonMapper json, String message) {
        return ServerResponse.status(HttpStatus.BAD_REQUEST).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json.writeValueAsBytes(json.createObjectNode().put("error", message)));
    }

    /** An operator action's audit record: the authenticated principal, how it authenticated, the action. */
    static ObjectNode operatorRecord(JsonMapper json, ServerRequest r, String action) {
        return AccountOverrides.record(json, OperatorAccess.operator(r), action);
    }

    private Mono<ServerResponse> ok(JsonNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(body));
    }

    private Mono<ServerResponse> error(HttpStatus status, String message) {
        ObjectNode o = json.createObjectNode().put("error", message);
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(o.toString().getBytes(StandardCharsets.UTF_8));
    }

}
