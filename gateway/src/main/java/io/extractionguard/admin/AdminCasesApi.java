package io.extractionguard.admin;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;

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
import io.extractionguard.engine.enforce.CaseFile;
import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.intel.SharedEvidence;
import io.extractionguard.engine.state.ProfileStats;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.enforce.SanctionJson;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.Role;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Case files ({@code docs/intel.md}): {@code POST /admin/cases} with {@code {"sanction": id}} or
 * {@code {"account": id}} builds, for that campaign, one signed document an abuse or legal team can
 * hand on — accounts and their links, the campaign's indicators, a timeline of activity and actions,
 * harvested volume, sampled decision records, the policy in force — with no prompt text and no keys
 * (prompts appear only as similarity sketches, credentials only as the keyed account ids).
 * {@code GET /admin/cases/public-key} gives the key to verify it with, offline:
 * {@code ./guard cli case-verify --public-key KEY CASE.json}. Building one is audited
 * ({@code case-export}, with the case's SHA-256).
 */
final class AdminCasesApi {

    static final int MAX_DECISIONS = 500;

    private final OperatorAccess access;
    private final GuardEngine engine;
    private final StateStore store;
    private final AuditTrail audit;
    private final RecentDecisions recent;
    private final KeyPair key;
    private final JsonMapper json;
    private final Clock clock;

    AdminCasesApi(OperatorAccess access, GuardEngine engine, StateStore store, AuditTrail audit, RecentDecisions recent,
                  KeyPair key, JsonMapper json, Clock clock) {
        this.access = access;
        this.engine = engine;
        this.store = store;
        this.audit = audit;
        this.recent = recent;
        this.key = key;
        this.json = json;
        this.clock = clock;
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .POST(AdminApi.BASE + "/cases", access.requires(Role.READ, this::build))
                .GET(AdminApi.BASE + "/cases/public-key", access.requires(Role.READ, r -> {
                    String encoded = Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
                    return respond(json.createObjectNode().put("alg", "Ed25519").put("publicKey", encoded)
                            .put("fingerprint", CaseFile.sha256Hex(key.getPublic().getEncoded())));
                }))
                .build();
    }

    private Mono<ServerResponse> build(ServerRequest r) {
        return AdminApi.withBody(json, r, body -> {
            String sanctionId = body.path("sanction").asString("").trim();
            String account = body.path("account").asString("").trim();
            if (sanctionId.isEmpty() == account.isEmpty()) {
                return AdminApi.badRequest(json, "give one of sanction (a sanction id) or account (an account of the campaign)");
            }
            String operator = OperatorAccess.operator(r).name();
            return Mono.fromCallable(() -> caseFor(sanctionId, account, operator))
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(content -> content.isEmpty()
                            ? ServerResponse.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(json.writeValueAsBytes(json.createObjectNode().put("error",
                                            "no such sanction, or the account is not linked to a campaign now")))
                            : sign(r, content.get()));
        });
    }

    private Mono<ServerResponse> sign(ServerRequest r, ObjectNode content) {
        ObjectNode file = CaseFile.sign(content, key);
        ObjectNode record = AdminApi.operatorRecord(json, r, "case-export").put("case", content.path("id").asString())
                .put("sha256", file.path("sha256").asString()).put("accounts", content.path("accounts").size());
        return Mono.fromCallable(() -> {
            audit.record("operator", json.writeValueAsString(record));
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(file);
        }).subscribeOn(Schedulers.boundedElastic())
                .flatMap(bytes -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(bytes));
    }

    /** The case content, or empty when there is no such sanction or campaign. */
    private Optional<ObjectNode> caseFor(String sanctionId, String seed, String operator) {
        Instant now = clock.instant();
        Optional<CampaignSanction> sanction = sanctionId.isEmpty() ? Optional.empty()
                : engine.sanctions().all().stream().filter(s -> s.id().equals(sanctionId)).findFirst();
        if (!sanctionId.isEmpty() && sanction.isEmpty()) {
            return Optional.empty();
        }
        Optional<CampaignListing.Campaign> campaign;
        if (sanction.isPresent()) {
            campaign = engine.campaigns(CampaignListing.MAX_SCANNED).stream()
                    .filter(c -> c.accounts().stream().anyMatch(sanction.get().members()::contains)).findFirst();
        } else {
            long hash = Indicators.accountHash(seed) & Long.MAX_VALUE;
            campaign = engine.campaigns(CampaignListing.MAX_SCANNED).stream().filter(c -> c.accounts().contains(hash))
                    .findFirst();
            if (campaign.isEmpty()) {
                return Optional.empty();
            }
        }
        TreeSet<Long> members = new TreeSet<>(campaign.map(CampaignListing.Campaign::accounts).orElse(List.of()));
        sanction.ifPresent(s -> members.addAll(s.members()));
        Map<Long, String> ids = new HashMap<>();
        for (String id : recent.accounts()) {
            ids.put(Indicators.accountHash(id) & Long.MAX_VALUE, id);
        }
        Map<String, String> cards = new HashMap<>();
        sanction.ifPresent(s -> s.penalised().forEach(p -> {
            ids.put(Indicators.accountHash(p.accountId()) & Long.MAX_VALUE, p.accountId());
            if (p.paymentFingerprint() != null) {
                cards.put(p.accountId(), p.paymentFingerprint());
            }
        }));

        ObjectNode c = json.createObjectNode().put("id", "case-" + UUID.randomUUID()).put("created", now.toString())
                .put("createdBy", operator).put("policyInForce", engine.policy().label());
        ObjectNode subject = c.putObject("subject").put("seedAccount", seed.isEmpty() ? null : seed);
        sanction.ifPresentOrElse(s -> subject.set("sanction", SanctionJson.write(json, s, false)), () -> subject.putNull("sanction"));
        subject.put("members", members.size()).put("score", campaign.map(CampaignListing.Campaign::score).orElse(0.0));

        ArrayNode links = c.putArray("links");
        campaign.ifPresent(x -> x.links().forEach(l -> links.addObject().put("indicator", l.indicator())
                .put("values", l.values()).put("strength", l.strength()).put("accounts", l.accounts())));
        ArrayNode accounts = c.putArray("accounts");
        ArrayNode timeline = c.putArray("timeline");
        List<ObjectNode> events = new ArrayList<>();
        ArrayNode decisions = c.putArray("sampledDecisions");
        long requests = 0;
        double outputTokens = 0;
        double[] areaRequests = new double[CapabilityArea.values().length];
        double[] areaTokens = new double[CapabilityArea.values().length];
        TreeSet<String> policies = new TreeSet<>(List.of(engine.policy().label()));
        for (Long m : members) {
            String id = ids.get(m);
            ObjectNode a = accounts.addObject().put("account", id != null ? id : "#" + Long.toHexString(m))
                    .put("paymentFingerprint", id == null ? null : cards.get(id));
            if (id == null) {
                continue;
            }
            Optional<ProfileStats> p = store.peek(id, now, engine.policy().features().evidencePrior());
            if (p.isPresent()) {
                ProfileStats s = p.get();
                double tokens = s.meanOutputTokens() * s.totalRequests();
                a.put("requests", s.totalRequests()).put("outputTokensEstimate", Math.round(tokens))
                        .put("capabilityShare", s.capabilityShare())
                        .put("dominantCapabilityAreaShare", s.dominantAreaShare())
                        .put("cotShare", s.cotShare()).put("templatedShare", s.templatedShare());
                ObjectNode accountAreas = a.putObject("byCapabilityArea");
                for (CapabilityArea area : CapabilityArea.values()) {
                    double fraction = s.areaFractions().of(area);
                    areaRequests[area.ordinal()] += fraction * s.totalRequests();
                    areaTokens[area.ordinal()] += fraction * tokens;
                    accountAreas.putObject(area.id()).put("requests", Math.round(fraction * s.totalRequests()))
                            .put("outputTokensEstimate", Math.round(fraction * tokens));
                }
                requests += s.totalRequests();
                outputTokens += tokens;
            }
            store.verdict(id, now).ifPresent(v -> a.putObject("verdict").put("kind", v.kind().name())
                    .put("source", v.source()).put("expires", v.expiresAt().toString()));
            for (RecentDecisions.Entry e : recent.of(id)) {
                ObjectNode d = json.createObjectNode().put("at", e.at().toString()).put("account", id)
                        .put("event", "decision").put("action", e.action()).put("score", e.score()).put("band", e.band());
                ArrayNode reasons = d.putArray("reasons");
                e.reasons().forEach(reasons::add);
                events.add(d);
            }
        }
        sanction.ifPresent(s -> {
            events.add(json.createObjectNode().put("at", s.created().toString()).put("event", "sanction-imposed")
                    .put("action", s.action().name()).put("by", s.operator()).put("reason", s.reason()));
            s.penalised().forEach(p -> events.add(json.createObjectNode().put("at", p.at().toString())
                    .put("event", "account-penalised").put("account", p.accountId()).put("joined", p.joined())));
            if (s.released() != null) {
                events.add(json.createObjectNode().put("at", s.released().toString()).put("event", "sanction-released"));
            }
        });
        events.sort(Comparator.comparing(e -> e.path("at").asString()));
        events.forEach(timeline::add);
        events.stream().filter(e -> e.path("event").asString().equals("decision")).limit(MAX_DECISIONS).forEach(decisions::add);
        ObjectNode harvested = c.putObject("harvested").put("requests", requests)
                .put("outputTokensEstimate", Math.round(outputTokens));
        ObjectNode areas = harvested.putObject("byCapabilityArea");
        for (CapabilityArea area : CapabilityArea.values()) {
            areas.putObject(area.id()).put("requests", Math.round(areaRequests[area.ordinal()]))
                    .put("outputTokensEstimate", Math.round(areaTokens[area.ordinal()]));
        }
        harvested.put("note", "from the profiles of the accounts known by id on this replica; tokens are the profiles' "
                + "metered mean output tokens times requests; by area, apportioned by the share of the account's "
                + "recent requests that targeted the area (a request targeting two areas counts in both)");
        ArrayNode indicators = c.putArray("indicators");
        for (SharedEvidence e : engine.campaignEvidence("case", Duration.ofDays(30))) {
            indicators.addObject().put("kind", e.indicator().kind().name()).put("value", e.indicator().value())
                    .put("confidence", e.indicator().confidence()).put("firstSeen", e.indicator().validFrom().toString())
                    .put("lastSeen", e.lastSeen().toString()).put("sightings", e.sightings());
        }
        ArrayNode versions = c.putArray("policyVersions");
        policies.forEach(versions::add);
        return Optional.of(c);
    }

    private Mono<ServerResponse> respond(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(body));
    }
}
