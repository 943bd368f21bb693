package io.extractionguard.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.SharedEvidence;
import io.extractionguard.engine.intel.StixBundles;
import io.extractionguard.engine.intel.StixExport;
import io.extractionguard.engine.intel.StixImport;
import io.extractionguard.engine.intel.Tlp;
import io.extractionguard.engine.policy.Durations;
import io.extractionguard.gateway.filter.DataBuffers;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.state.StoreUnavailableException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Indicator exchange on the admin API (reference and format: {@code docs/intel.md}): list the peer
 * indicators held, export this gateway's campaign evidence as a STIX 2.1 bundle (TLP marking from
 * the policy, or {@code ?tlp=}), import a peer's bundle. An import takes what the guard understands
 * from any valid bundle and reports the rest (objects by type, indicators not used and why, invalid
 * objects named); only input that is not a STIX bundle is refused. Exports and imports are operator
 * actions: each is written to the audit trail first, and one that cannot be audited is not carried
 * out.
 */
final class AdminIndicatorsApi {

    static final String BASE = AdminApi.BASE + "/indicators";
    static final Duration MAX_VALIDITY = Duration.ofDays(365);
    static final String STIX_JSON = "application/stix+json;version=2.1";
    private static final Pattern PRODUCER = Pattern.compile("[A-Za-z0-9 ._-]{1,64}");

    private final OperatorAccess access;
    private final GuardEngine engine;
    private final AuditTrail audit;
    private final JsonMapper json;
    private final Clock clock;

    AdminIndicatorsApi(OperatorAccess access, GuardEngine engine, AuditTrail audit, JsonMapper json, Clock clock) {
        this.access = access;
        this.engine = engine;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET(BASE, access.requires(Role.READ, this::list))
                .GET(BASE + "/export", access.requires(Role.INTEL, this::export))
                .POST(BASE + "/import", access.requires(Role.INTEL, this::importBundle))
                .build();
    }

    private Mono<ServerResponse> list(ServerRequest r) {
        Instant now = clock.instant();
        List<Indicator> all = engine.indicators().all(now);
        ObjectNode o = json.createObjectNode();
        o.put("count", all.size());
        ArrayNode items = o.putArray("indicators");
        for (Indicator i : all) {
            ObjectNode n = items.addObject();
            n.put("id", i.id()).put("kind", i.kind().name()).put("value", i.value()).put("confidence", i.confidence())
                    .put("validFrom", i.validFrom().toString())
                    .put("validUntil", i.validUntil() == null ? null : i.validUntil().toString())
                    .put("active", i.isValidAt(now)).put("source", i.source()).put("sourceId", i.sourceId())
                    .put("name", i.name());
        }
        return json(HttpStatus.OK, o);
    }

    private Mono<ServerResponse> export(ServerRequest r) {
        String producer = r.queryParam("producer").orElse("extraction-guard");
        if (!PRODUCER.matcher(producer).matches()) {
            return error(HttpStatus.BAD_REQUEST, "producer: 1-64 characters [A-Za-z0-9 ._-]", List.of());
        }
        Optional<Duration> validity = r.queryParam("validity").isEmpty() ? Optional.of(StixBundles.DEFAULT_VALIDITY)
                : Durations.parse(r.queryParam("validity").get());
        if (validity.isEmpty() || validity.get().isZero() || validity.get().compareTo(MAX_VALIDITY) > 0) {
            return error(HttpStatus.BAD_REQUEST, "validity: a duration such as 7d or 30d, at most 365d", List.of());
        }
        Optional<Tlp> tlp = r.queryParam("tlp").isEmpty() ? Optional.of(engine.policy().peerIndicators().exportTlp())
                : Tlp.parse(r.queryParam("tlp").get());
        if (tlp.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "tlp: one of clear, green, amber, amber+strict, red", List.of());
        }
        List<SharedEvidence> evidence = engine.campaignEvidence(producer, validity.get());
        String bundle = StixExport.bundle(producer, tlp.get(), evidence);
        List<Indicator> indicators = evidence.stream().map(SharedEvidence::indicator).toList();
        ObjectNode record = record(r, "indicators-export");
        record.put("producer", producer).put("tlp", tlp.get().label()).put("indicators", indicators.size())
                .put("bundleSha256", sha256(bundle.getBytes(StandardCharsets.UTF_8))).set("kinds", kinds(indicators));
        return audited(record, () -> bundle).flatMap(b -> ServerResponse.ok()
                .contentType(MediaType.parseMediaType(STIX_JSON))
                .bodyValue(b.getBytes(StandardCharsets.UTF_8)));
    }

    private Mono<ServerResponse> importBundle(ServerRequest r) {
        String source = r.queryParam("source").orElse(StixImport.Options.OPERATOR.source());
        if (!PRODUCER.matcher(source).matches()) {
            return error(HttpStatus.BAD_REQUEST, "source: 1-64 characters [A-Za-z0-9 ._-]", List.of());
        }
        StixImport.Options options = new StixImport.Options(source, StixImport.Options.OPERATOR.defaultConfidence(),
                StixImport.Options.OPERATOR.maxConfidence());
        return DataBufferUtils.join(r.exchange().getRequest().getBody(), StixBundles.MAX_BUNDLE_BYTES)
                .map(DataBuffers::drain).defaultIfEmpty(new byte[0]).flatMap(bytes -> {
            Instant now = clock.instant();
            StixImport.Result parsed = StixImport.parse(bytes, options, now);
            if (!parsed.accepted()) {
                return error(HttpStatus.BAD_REQUEST, "not a STIX 2.1 bundle, nothing imported: " + parsed.refused(),
                        List.of());
            }
            ObjectNode record = record(r, "indicators-import");
            TreeSet<String> producers = new TreeSet<>();
            parsed.indicators().forEach(i -> producers.add(i.source() + (i.sourceId() == null ? "" : " (" + i.sourceId() + ")")));
            record.put("indicators", parsed.indicators().size()).put("notUsed", parsed.notUsed().size())
                    .put("invalid", parsed.invalidCount())
                    .put("bundleSha256", sha256(bytes)).set("kinds", kinds(parsed.indicators()));
            ArrayNode from = record.putArray("producers");
            producers.forEach(from::add);
            return audited(record, () -> {
                engine.indicators().put(parsed.indicators(), now);
                return engine.indicators().all(clock.instant()).size();
            }).flatMap(held -> json(HttpStatus.OK, report(parsed, held)))
              .onErrorResume(StoreUnavailableException.class, e -> error(HttpStatus.SERVICE_UNAVAILABLE,
                    "the shared state store is unreachable, nothing imported: " + e.getMessage(), List.of()))
              .onErrorResume(IllegalStateException.class, e -> error(HttpStatus.CONFLICT, e.getMessage(), List.of()));
        }).onErrorResume(DataBufferLimitException.class, e -> error(HttpStatus.CONTENT_TOO_LARGE,
                "bundle rejected, nothing imported: larger than " + StixBundles.MAX_BUNDLE_BYTES + " bytes", List.of()));
    }

    /** What an import did: indicators used and held, every valid object by type, what was not used and why. */
    private ObjectNode report(StixImport.Result parsed, int held) {
        ObjectNode o = json.createObjectNode();
        o.put("imported", parsed.indicators().size()).put("held", held);
        ObjectNode objects = o.putObject("objects");
        new java.util.TreeMap<>(parsed.objects()).forEach(objects::put);
        ArrayNode notUsed = o.putArray("notUsed");
        parsed.notUsed().forEach(notUsed::add);
        o.put("invalidCount", parsed.invalidCount());
        ArrayNode invalid = o.putArray("invalid");
        parsed.invalid().forEach(invalid::add);
        return o;
    }

    private ObjectNode record(ServerRequest r, String action) {
        return AdminApi.operatorRecord(json, r, action);
    }

    private ArrayNode kinds(List<Indicator> indicators) {
        ArrayNode kinds = json.createArrayNode();
        indicators.stream().map(i -> i.kind().name()).distinct().sorted().forEach(kinds::add);
        return kinds;
    }

    /** Writes the audit record (blocking I/O, on a worker thread), then carries out the action. */
    private <T> Mono<T> audited(ObjectNode record, Callable<T> action) {
        return Mono.fromCallable(() -> {
            audit.record("operator", json.writeValueAsString(record));
            return action.call();
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Mono<ServerResponse> json(HttpStatus status, ObjectNode body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(body));
    }

    private Mono<ServerResponse> error(HttpStatus status, String message, List<String> errors) {
        ObjectNode o = json.createObjectNode().put("error", message);
        if (!errors.isEmpty()) {
            ArrayNode all = o.putArray("errors");
            errors.forEach(all::add);
        }
        return json(status, o);
    }
}
