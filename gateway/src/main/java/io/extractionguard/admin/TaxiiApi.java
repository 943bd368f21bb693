package io.extractionguard.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.intel.StixBundles;
import io.extractionguard.engine.intel.StixExport;
import io.extractionguard.engine.intel.StixImport;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.filter.DataBuffers;
import io.extractionguard.gateway.intel.TaxiiCollection;
import io.extractionguard.gateway.intel.TaxiiProperties;
import io.extractionguard.gateway.intel.TaxiiTime;
import io.extractionguard.gateway.operators.Operator;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.state.StoreUnavailableException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A TAXII 2.1 server on the management port ({@code docs/intel.md}): discovery at {@value #BASE}/,
 * one API root ({@value #ROOT}/) with two collections — {@code campaign-evidence} (read: this
 * replica's campaign evidence as STIX objects, read on every request) and {@code inbox}
 * (write: peers add STIX objects; indicators the guard can match are imported like an admin import).
 * Every request is an authenticated operator's ({@link OperatorAccess}); per collection,
 * {@code guard.taxii.readers}/{@code writers} name who may read or write. Responses are
 * {@value #TAXII}; a request that accepts neither it nor JSON gets 406.
 */
final class TaxiiApi {

    static final String BASE = "/taxii2";
    static final String ROOT = BASE + "/api1";
    static final String TAXII = "application/taxii+json;version=2.1";
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    private static final int MAX_STATUSES = 1000;

    private final OperatorAccess access;
    private final GuardEngine engine;
    private final AuditTrail audit;
    private final TaxiiProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final TaxiiCollection evidence = new TaxiiCollection("campaign-evidence", "Campaign evidence",
            "Distillation-campaign indicators, sightings and campaigns seen by this gateway (STIX 2.1)");
    private final TaxiiCollection inbox = new TaxiiCollection("inbox", "Inbox",
            "Peers add STIX 2.1 indicators here; the gateway matches those it understands");
    private final Map<String, ObjectNode> statuses = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ObjectNode> eldest) {
            return size() > MAX_STATUSES;
        }
    };

    TaxiiApi(OperatorAccess access, GuardEngine engine, AuditTrail audit, TaxiiProperties properties, JsonMapper json,
             Clock clock) {
        this.access = access;
        this.engine = engine;
        this.audit = audit;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    RouterFunction<ServerResponse> routes() {
        RouterFunctions.Builder b = RouterFunctions.route();
        get(b, BASE + "/", this::discovery);
        get(b, ROOT + "/", this::apiRoot);
        get(b, ROOT + "/collections/", this::collections);
        get(b, ROOT + "/collections/{collection}/", r -> collection(r, c -> taxii(HttpStatus.OK, describe(c, r))));
        get(b, ROOT + "/collections/{collection}/objects/", r -> readable(r, c -> objects(r, c, false)));
        get(b, ROOT + "/collections/{collection}/objects/{object}/", r -> readable(r, c -> objects(r, c, false)));
        get(b, ROOT + "/collections/{collection}/manifest/", r -> readable(r, c -> objects(r, c, true)));
        get(b, ROOT + "/status/{status}/", this::status);
        b.POST(ROOT + "/collections/{collection}/objects/", acceptable(this::add));
        return b.build();
    }

    private void get(RouterFunctions.Builder b, String path, org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> h) {
        b.GET(path, acceptable(h));
    }

    /** Any authenticated operator: TAXII access is then decided per collection. */
    private org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> acceptable(
            org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> h) {
        return r -> {
            List<MediaType> accept = r.headers().accept();
            boolean ok = accept.isEmpty() || accept.stream().anyMatch(m -> m.isWildcardType()
                    || m.getSubtype().equals("taxii+json") || m.isCompatibleWith(MediaType.APPLICATION_JSON));
            if (!ok) {
                return error(HttpStatus.NOT_ACCEPTABLE, "Not Acceptable", "this server answers " + TAXII);
            }
            if (OperatorAccess.current(r.exchange()).isEmpty()) {
                return error(HttpStatus.UNAUTHORIZED, "Unauthorized", "authentication required");
            }
            return h.handle(r);
        };
    }

    private Mono<ServerResponse> discovery(ServerRequest r) {
        ObjectNode o = json.createObjectNode().put("title", "extraction-guard TAXII 2.1")
                .put("description", "Distillation-campaign intelligence shared by " + properties.producer())
                .put("default", ROOT + "/");
        o.putArray("api_roots").add(ROOT + "/");
        return taxii(HttpStatus.OK, o);
    }

    private Mono<ServerResponse> apiRoot(ServerRequest r) {
        ObjectNode o = json.createObjectNode().put("title", "extraction-guard")
                .put("max_content_length", StixBundles.MAX_BUNDLE_BYTES);
        o.putArray("versions").add(TAXII);
        return taxii(HttpStatus.OK, o);
    }

    private Mono<ServerResponse> collections(ServerRequest r) {
        ObjectNode o = json.createObjectNode();
        ArrayNode list = o.putArray("collections");
        for (TaxiiCollection c : List.of(evidence, inbox)) {
            if (canRead(r, c) || canWrite(r, c)) {
                list.add(describe(c, r));
            }
        }
        return taxii(HttpStatus.OK, o);
    }

    private ObjectNode describe(TaxiiCollection c, ServerRequest r) {
        ObjectNode o = json.createObjectNode().put("id", c.id()).put("title", c.title()).put("alias", c.alias())
                .put("description", c.description()).put("can_read", canRead(r, c)).put("can_write", canWrite(r, c));
        o.putArray("media_types").add("application/stix+json;version=2.1");
        return o;
    }

    private boolean canRead(ServerRequest r, TaxiiCollection c) {
        Operator op = OperatorAccess.operator(r);
        return c == evidence && TaxiiProperties.allowed(properties.readers(), op.name(), op.has(Role.INTEL));
    }

    private boolean canWrite(ServerRequest r, TaxiiCollection c) {
        Operator op = OperatorAccess.operator(r);
        return c == inbox && TaxiiProperties.allowed(properties.writers(), op.name(), op.has(Role.INTEL));
    }

    private Optional<TaxiiCollection> find(String idOrAlias) {
        return List.of(evidence, inbox).stream().filter(c -> c.id().equals(idOrAlias) || c.alias().equals(idOrAlias))
                .findFirst();
    }

    private interface CollectionHandler {
        Mono<ServerResponse> handle(TaxiiCollection c);
    }

    /** The collection if the operator may see it (read or write); 404 otherwise, so its existence does not leak. */
    private Mono<ServerResponse> collection(ServerRequest r, CollectionHandler h) {
        Optional<TaxiiCollection> c = find(r.pathVariable("collection"));
        if (c.isEmpty() || !(canRead(r, c.get()) || canWrite(r, c.get()))) {
            return error(HttpStatus.NOT_FOUND, "Collection not found", "no collection " + r.pathVariable("collection")
                    + " for this operator");
        }
        return h.handle(c.get());
    }

    private Mono<ServerResponse> readable(ServerRequest r, CollectionHandler h) {
        return collection(r, c -> canRead(r, c) ? h.handle(c)
                : error(HttpStatus.FORBIDDEN, "Forbidden", "operator " + OperatorAccess.operator(r).name()
                        + " may not read collection " + c.alias()));
    }

    /** The objects (or their manifest) the query asks for, with the TAXII paging headers. */
    private Mono<ServerResponse> objects(ServerRequest r, TaxiiCollection c, boolean manifest) {
        Optional<TaxiiCollection.Query> query = query(r);
        if (query.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "Bad query", "added_after and next are timestamps or the cursor "
                    + "returned; limit is 1-" + MAX_LIMIT);
        }
        return Mono.fromCallable(() -> {
            refresh();
            return c.page(query.get());
        }).subscribeOn(Schedulers.boundedElastic()).flatMap(page -> {
            ObjectNode o = json.createObjectNode();
            o.put("more", page.more());
            if (page.next() != null) {
                o.put("next", TaxiiTime.format(page.next()));
            }
            ArrayNode items = o.putArray("objects");
            for (TaxiiCollection.Entry e : page.entries()) {
                if (manifest) {
                    items.addObject().put("id", e.id()).put("date_added", TaxiiTime.format(e.dateAdded()))
                            .put("version", e.version()).put("media_type", "application/stix+json;version=" + e.specVersion());
                } else {
                    items.add(e.object());
                }
            }
            ServerResponse.BodyBuilder resp = ServerResponse.ok().contentType(MediaType.parseMediaType(TAXII));
            if (!page.entries().isEmpty()) {
                resp.header("X-TAXII-Date-Added-First", TaxiiTime.format(page.entries().getFirst().dateAdded()))
                        .header("X-TAXII-Date-Added-Last", TaxiiTime.format(page.entries().getLast().dateAdded()));
            }
            return resp.bodyValue(json.writeValueAsBytes(o));
        });
    }

    private Optional<TaxiiCollection.Query> query(ServerRequest r) {
        Instant addedAfter = null;
        Instant next = null;
        int limit = DEFAULT_LIMIT;
        try {
            if (r.queryParam("added_after").isPresent()) {
                addedAfter = TaxiiTime.parse(r.queryParam("added_after").get()).orElseThrow();
            }
            if (r.queryParam("next").isPresent()) {
                next = TaxiiTime.parse(r.queryParam("next").get()).orElseThrow();
            }
            if (r.queryParam("limit").isPresent()) {
                limit = Integer.parseInt(r.queryParam("limit").get());
            }
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (limit < 1) {
            return Optional.empty();
        }
        Set<String> ids = match(r, "id");
        if (r.pathVariables().containsKey("object")) {
            ids = Set.of(r.pathVariable("object"));
        }
        return Optional.of(new TaxiiCollection.Query(addedAfter, ids, match(r, "type"), match(r, "version"),
                match(r, "spec_version"), Math.min(limit, MAX_LIMIT), next));
    }

    private static Set<String> match(ServerRequest r, String field) {
        return r.queryParams().getOrDefault("match[" + field + "]", List.of()).stream()
                .flatMap(v -> Arrays.stream(v.split(","))).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The evidence collection gets the current export's objects (new versions only), on every read: what
     * this replica knows when a peer asks is what the peer gets, so no timer of ours adds to the peer's
     * poll interval. Serialised, so concurrent reads do not build the export twice at once.
     */
    private synchronized void refresh() {
        Instant now = clock.instant();
        String bundle = StixExport.bundle(properties.producer(), engine.policy().peerIndicators().exportTlp(),
                engine.campaignEvidence(properties.producer(), properties.validity()));
        List<JsonNode> objects = new ArrayList<>();
        json.readTree(bundle).path("objects").forEach(objects::add);
        evidence.add(objects, now);
    }

    /** POST objects: an envelope of STIX objects; the indicators the guard can match are imported. */
    private Mono<ServerResponse> add(ServerRequest r) {
        return collection(r, c -> {
            if (!canWrite(r, c)) {
                return error(HttpStatus.FORBIDDEN, "Forbidden", "operator " + OperatorAccess.operator(r).name()
                        + " may not write to collection " + c.alias());
            }
            Operator op = OperatorAccess.operator(r);
            return DataBufferUtils.join(r.exchange().getRequest().getBody(), StixBundles.MAX_BUNDLE_BYTES)
                    .map(DataBuffers::drain).defaultIfEmpty(new byte[0])
                    .flatMap(bytes -> envelope(bytes).map(objects -> addObjects(r, op, objects))
                            .orElseGet(() -> error(HttpStatus.BAD_REQUEST, "Bad envelope",
                                    "the body must be a TAXII envelope: {\"objects\": [ …STIX objects… ]}")))
                    .onErrorResume(DataBufferLimitException.class, e -> error(HttpStatus.CONTENT_TOO_LARGE,
                            "Too large", "larger than " + StixBundles.MAX_BUNDLE_BYTES + " bytes"));
        });
    }

    private Optional<JsonNode> envelope(byte[] bytes) {
        try {
            JsonNode e = json.readTree(bytes);
            return e != null && e.isObject() && e.path("objects").isArray() ? Optional.of(e.get("objects")) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Mono<ServerResponse> addObjects(ServerRequest r, Operator op, JsonNode objects) {
        Instant now = clock.instant();
        ObjectNode bundle = json.createObjectNode().put("type", "bundle").put("id", "bundle--" + UUID.randomUUID());
        bundle.set("objects", objects);
        StixImport.Result parsed = StixImport.parse(json.writeValueAsBytes(bundle),
                new StixImport.Options(op.name(), StixImport.Options.OPERATOR.defaultConfidence(),
                        StixImport.Options.OPERATOR.maxConfidence()), now);
        ObjectNode record = AdminApi.operatorRecord(json, r, "taxii-add").put("collection", inbox.alias())
                .put("objects", objects.size()).put("indicators", parsed.indicators().size())
                .put("notUsed", parsed.notUsed().size()).put("invalid", parsed.invalidCount());
        return Mono.fromCallable(() -> {
            audit.record("operator", json.writeValueAsString(record));
            engine.indicators().put(parsed.indicators(), now);
            return status(objects, parsed, now);
        }).subscribeOn(Schedulers.boundedElastic())
                .flatMap(status -> taxii(HttpStatus.ACCEPTED, status))
                .onErrorResume(StoreUnavailableException.class, e -> error(HttpStatus.SERVICE_UNAVAILABLE,
                        "Unavailable", "the shared state store is unreachable, nothing imported"));
    }

    /** A TAXII status resource: every object a success except the invalid ones (named with why). */
    private ObjectNode status(JsonNode objects, StixImport.Result parsed, Instant now) {
        String id = UUID.randomUUID().toString();
        ObjectNode s = json.createObjectNode().put("id", id).put("status", "complete")
                .put("request_timestamp", TaxiiTime.format(now)).put("total_count", objects.size())
                .put("success_count", objects.size() - parsed.invalidCount()).put("failure_count", parsed.invalidCount())
                .put("pending_count", 0);
        ArrayNode successes = s.putArray("successes");
        ArrayNode failures = s.putArray("failures");
        Map<Integer, String> why = new LinkedHashMap<>();
        for (String line : parsed.invalid()) {
            int close = line.indexOf(']');
            why.put(Integer.parseInt(line.substring("objects[".length(), close)), line);
        }
        for (int i = 0; i < objects.size(); i++) {
            JsonNode o = objects.get(i);
            ObjectNode item = (parsed.invalidAt().contains(i) ? failures : successes).addObject()
                    .put("id", o.path("id").asString(""));
            if (o.has("modified")) {
                item.put("version", o.get("modified").asString(""));
            }
            if (parsed.invalidAt().contains(i)) {
                item.put("message", why.getOrDefault(i, "invalid STIX object"));
            }
        }
        synchronized (statuses) {
            statuses.put(id, s);
        }
        return s;
    }

    private Mono<ServerResponse> status(ServerRequest r) {
        ObjectNode s;
        synchronized (statuses) {
            s = statuses.get(r.pathVariable("status"));
        }
        return s == null ? error(HttpStatus.NOT_FOUND, "Status not found", "no status " + r.pathVariable("status")
                + " on this replica") : taxii(HttpStatus.OK, s);
    }

    private Mono<ServerResponse> taxii(HttpStatus status, JsonNode body) {
        return ServerResponse.status(status).contentType(MediaType.parseMediaType(TAXII)).bodyValue(json.writeValueAsBytes(body));
    }

    private Mono<ServerResponse> error(HttpStatus status, String title, String description) {
        return taxii(status, json.createObjectNode().put("title", title).put("description", description)
                .put("http_status", String.valueOf(status.value())));
    }
}
