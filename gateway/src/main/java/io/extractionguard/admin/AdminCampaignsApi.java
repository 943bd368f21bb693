package io.extractionguard.admin;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.gateway.observe.AccountNames;
import io.extractionguard.gateway.operators.OperatorAccess;
import io.extractionguard.gateway.operators.Role;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /admin/campaigns[?max=N]}: the campaigns the campaign state currently links (see
 * {@link CampaignListing}), highest score first. Campaign state holds account hashes only; an
 * account is shown by its id when it was decided recently ({@link AccountNames}: by any replica, with
 * Redis), else as {@code "#<hash>"}. Campaign state and names are the fleet's, so every replica lists
 * the same. The scan runs on a worker thread.
 */
final class AdminCampaignsApi {

    static final int DEFAULT_MAX = 50;
    static final int MAX = 1000;
    /** Accounts listed per campaign at most (its size is always given). */
    static final int ACCOUNTS_SHOWN = 100;

    private final OperatorAccess access;
    private final GuardEngine engine;
    private final AccountNames names;
    private final JsonMapper json;

    AdminCampaignsApi(OperatorAccess access, GuardEngine engine, AccountNames names, JsonMapper json) {
        this.access = access;
        this.engine = engine;
        this.names = names;
        this.json = json;
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().GET(AdminApi.BASE + "/campaigns", access.requires(Role.READ, this::campaigns)).build();
    }

    private Mono<ServerResponse> campaigns(ServerRequest r) {
        int max = r.queryParam("max").map(AdminCampaignsApi::parse).orElse(DEFAULT_MAX);
        if (max < 1 || max > MAX) {
            ObjectNode error = json.createObjectNode().put("error", "max: a number from 1 to " + MAX);
            return ServerResponse.badRequest().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(error));
        }
        return Mono.fromCallable(() -> render(engine.campaigns(max))).subscribeOn(Schedulers.boundedElastic())
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body));
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private byte[] render(List<CampaignListing.Campaign> campaigns) {
        Set<Long> shown = new HashSet<>();
        campaigns.forEach(c -> c.accounts().stream().limit(ACCOUNTS_SHOWN).forEach(shown::add));
        Map<Long, String> names = this.names.names(shown);
        ObjectNode o = json.createObjectNode();
        ArrayNode list = o.putArray("campaigns");
        for (CampaignListing.Campaign c : campaigns) {
            ObjectNode n = list.addObject();
            n.put("score", c.score()).put("size", c.accounts().size());
            ArrayNode accounts = n.putArray("accounts");
            c.accounts().stream().limit(ACCOUNTS_SHOWN)
                    .forEach(h -> accounts.add(names.getOrDefault(h, "#" + Long.toHexString(h))));
            ArrayNode links = n.putArray("indicators");
            for (CampaignListing.Link l : c.links()) {
                links.addObject().put("indicator", l.indicator()).put("values", l.values())
                        .put("strength", l.strength()).put("accounts", l.accounts());
            }
        }
        o.put("note", "accounts are the sampled members of each linking value (up to 32 per value, 16 per template "
                + "bucket); '#…' marks an account no replica has decided within the last hour");
        return json.writeValueAsBytes(o);
    }
}
