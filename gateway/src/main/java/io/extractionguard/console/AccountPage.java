package io.extractionguard.console;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.admin.AccountOverrides;
import io.extractionguard.engine.decision.Explanation;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.Role;
import reactor.core.publisher.Mono;

/** One account: its explanation (which signals, how many points), standing, last hour, operator records, actions. */
final class AccountPage {

    private final ConsoleContext ctx;

    AccountPage(ConsoleContext ctx) {
        this.ctx = ctx;
    }

    Mono<ServerResponse> page(ServerRequest r, ConsoleSessions.Session s) {
        String id = r.queryParam("id").orElse("").trim();
        if (id.isEmpty()) {
            return ConsolePages.error(HttpStatus.BAD_REQUEST, "id: the account id");
        }
        return ConsolePages.worker(() -> render(id, s));
    }

    private String render(String id, ConsoleSessions.Session s) {
        Instant now = ctx.clock().instant();
        Explanation e = ctx.engine().explainAccount(id);
        List<RecentDecisions.Entry> decisions = ctx.recent().of(id);
        List<AuditView.Row> records = AuditView.rows(ctx.audit().recentActions(), ctx.json(), AuditView.about(Set.of(id), ""));
        Html h = new Html();
        ConsolePages.frame(h, "Account " + id, s);
        h.raw("<h1>Account <span id=\"account-id\">").text(id).raw("</span></h1><table class=\"kv\"><tr><th>score now</th><td>")
                .num(e.score()).raw(" (signals sum ").num(e.uncapped()).raw(", shadow ").num(e.shadowScore())
                .raw(")</td></tr><tr><th>band</th><td>").text(e.band() == null ? "–" : e.band())
                .raw("</td></tr><tr><th>action it would get now</th><td id=\"would-get\">").text(e.action())
                .raw("</td></tr><tr><th>standing verdict</th><td id=\"verdict\">");
        if (e.verdict() == null) {
            h.raw("none");
        } else {
            h.text(e.verdict().kind() + " until " + e.verdict().expiresAt() + " by " + e.verdict().source() + ": "
                    + e.verdict().note());
        }
        h.raw("</td></tr><tr><th>list</th><td>").text(e.listed() == null ? "–" : e.listed()).raw("</td></tr><tr><th>policy</th><td>")
                .text(e.policyVersion()).raw("</td></tr></table>");
        if (s.operator.has(Role.OVERRIDE)) {
            h.raw("<h2>Act</h2>");
            Actions.form(h, s, "/console/account/action", "account", id, "Apply");
        }
        h.raw("<h2>Why: signals</h2>");
        if (e.contributions().isEmpty()) {
            h.raw("<p class=\"muted\">No signal contributes now.</p>");
        } else {
            h.raw("<table class=\"signals\"><thead><tr><th>signal</th><th>strength</th><th>points</th><th></th></tr></thead><tbody>");
            for (Contribution c : e.contributions()) {
                h.raw("<tr><td>").text(c.signal()).raw("</td><td>").num(c.strength()).raw("</td><td>").num(c.points())
                        .raw("</td><td>").raw(c.shadow() ? "shadow" : "").raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        }
        if (e.profile() != null) {
            h.raw("<p class=\"muted\">Profile: ").text(e.profile().totalRequests()).raw(" requests, ")
                    .num(e.profile().requestsLastHour()).raw(" in the last hour, templated share ").num(e.profile().templatedShare())
                    .raw(", reasoning-eliciting share ").num(e.profile().cotShare()).raw(".</p>");
        }
        h.raw("<p class=\"muted\">Explained for an empty request: cross-account campaign evidence is only evaluated on real "
                + "requests; the decisions below show the reasons actually applied.</p><h2>Recent decisions on this replica</h2>");
        Instant from = Timeline.windowStart(now, List.of(decisions));
        h.raw("<p class=\"muted\">").text(from.toString().substring(11, 19)).raw(" … now (UTC)</p>");
        Timeline.render(h, from, now, decisions, records);
        h.raw("<table class=\"decisions\"><thead><tr><th>time</th><th>route</th><th>action</th><th>score</th><th>band</th>"
                + "<th>reasons</th></tr></thead><tbody>");
        for (RecentDecisions.Entry d : decisions) {
            h.raw("<tr class=\"decision-row\"><td>").text(d.at()).raw("</td><td>").text(d.route()).raw("</td><td>").text(d.action())
                    .raw("</td><td>").num(d.score()).raw("</td><td>").text(d.band() == null ? "" : d.band()).raw("</td><td>")
                    .text(String.join(", ", d.reasons())).raw("</td></tr>");
        }
        h.raw("</tbody></table><h2>Operator records</h2>");
        AuditView.table(h, records, 100);
        return ConsolePages.end(h);
    }

    Mono<ServerResponse> act(ServerRequest r, ConsoleSessions.Session s, MultiValueMap<String, String> form) {
        String id = form.getFirst("account") == null ? "" : form.getFirst("account").trim();
        String action = form.getFirst("action");
        if (id.isEmpty() || !Actions.known(action)) {
            return ConsolePages.error(HttpStatus.BAD_REQUEST, "account and action (block, challenge, allow, release) required");
        }
        return Actions.apply(ctx.overrides(), s.operator, action, id, form.getFirst("ttl"), form.getFirst("reason"), null)
                .orElseThrow().flatMap(o -> {
                    if (o instanceof AccountOverrides.Outcome.Refused f) {
                        return ConsolePages.error(f.notFound() ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST, f.message());
                    }
                    s.flash(action + ": applied to " + id);
                    return ServerResponse.seeOther(URI.create("/console/account?id=" + Html.query(id))).build();
                });
    }
}
