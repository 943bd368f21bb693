package io.extractionguard.console;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.Authentication;
import io.extractionguard.gateway.operators.OperatorAuthenticator;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.policy.PolicyReloader;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The console's routes, frame and simple pages: sign-in, the campaign list, the audit records, the
 * policy. Campaign and account pages: {@link CampaignPage}, {@link AccountPage}. Everything is
 * rendered on the server; the only other resource is the stylesheet.
 */
final class ConsolePages {

    static final String BASE = "/console";
    static final MediaType HTML = MediaType.parseMediaType("text/html;charset=UTF-8");
    /** Campaigns listed at most. */
    static final int MAX_CAMPAIGNS = 200;

    private final ConsoleContext ctx;
    private final ConsoleAccess access;
    private final ConsoleSessions sessions;
    private final OperatorAuthenticator authenticator;
    private final CampaignPage campaign;
    private final AccountPage account;
    private final byte[] css;
    private final byte[] icon;

    ConsolePages(ConsoleContext ctx, ConsoleAccess access, ConsoleSessions sessions, OperatorAuthenticator authenticator) {
        this.ctx = ctx;
        this.access = access;
        this.sessions = sessions;
        this.authenticator = authenticator;
        this.campaign = new CampaignPage(ctx);
        this.account = new AccountPage(ctx);
        this.css = resource("console.css");
        this.icon = resource("favicon.svg");
    }

    private static byte[] resource(String name) {
        try (InputStream in = ConsolePages.class.getResourceAsStream("/console/" + name)) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("console resource " + name + " missing from the classpath", e);
        }
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET(BASE + "/console.css", r -> ServerResponse.ok().contentType(MediaType.parseMediaType("text/css"))
                        .bodyValue(css))
                .GET(BASE + "/favicon.svg", r -> ServerResponse.ok().contentType(MediaType.parseMediaType("image/svg+xml"))
                        .bodyValue(icon))
                .GET(BASE + "/login", r -> html(HttpStatus.OK, login(null)))
                .POST(BASE + "/login", this::signIn)
                .POST(BASE + "/logout", access.action(Role.READ, (r, s, form) -> signOut(r)))
                .GET(BASE, access.page(Role.READ, (r, s) -> worker(() -> campaigns(s))))
                .GET(BASE + "/", access.page(Role.READ, (r, s) -> worker(() -> campaigns(s))))
                .GET(BASE + "/campaign", access.page(Role.READ, campaign::page))
                .POST(BASE + "/campaign/action", access.action(Role.OVERRIDE, campaign::act))
                .POST(BASE + "/campaign/sanction", access.action(Role.OVERRIDE, campaign::sanction))
                .POST(BASE + "/sanction/release", access.action(Role.OVERRIDE, campaign::releaseSanction))
                .GET(BASE + "/account", access.page(Role.READ, account::page))
                .POST(BASE + "/account/action", access.action(Role.OVERRIDE, account::act))
                .GET(BASE + "/audit", access.page(Role.READ, (r, s) -> worker(() -> auditPage(s))))
                .GET(BASE + "/policy", access.page(Role.READ, (r, s) -> html(HttpStatus.OK, policyPage(s))))
                .POST(BASE + "/policy/reload", access.action(Role.POLICY, this::reload))
                .build();
    }

    // ---- sign-in ----

    private Mono<ServerResponse> signIn(ServerRequest r) {
        var crossSite = ConsoleAccess.crossSite(r);
        if (crossSite.isPresent()) {
            return error(HttpStatus.FORBIDDEN, "refused: " + crossSite.get());
        }
        return r.formData().flatMap(form -> {
            String token = form.getFirst("token");
            return authenticator.authenticate(token == null ? null : "Bearer " + token.trim()).flatMap(result -> switch (result) {
                case Authentication.Authenticated a when a.operator().has(Role.READ) -> {
                    String id = sessions.open(a.operator());
                    boolean secure = "https".equals(r.uri().getScheme());
                    yield ServerResponse.seeOther(URI.create(BASE))
                            .cookie(ConsoleAccess.cookie(id, ConsoleSessions.ABSOLUTE, secure)).build();
                }
                case Authentication.Authenticated a -> html(HttpStatus.FORBIDDEN,
                        login("operator " + a.operator().name() + " lacks the 'read' role the console needs"));
                case Authentication.Refused f -> html(HttpStatus.FORBIDDEN, login(f.reason()));
                case Authentication.Missing m -> html(HttpStatus.UNAUTHORIZED, login("enter an operator token"));
            });
        });
    }

    private Mono<ServerResponse> signOut(ServerRequest r) {
        var c = r.cookies().getFirst(ConsoleAccess.COOKIE);
        sessions.close(c == null ? null : c.getValue());
        return ServerResponse.seeOther(URI.create(BASE + "/login"))
                .cookie(ConsoleAccess.cookie("", Duration.ZERO, false)).build();
    }

    private static String login(String problem) {
        Html h = new Html();
        head(h, "Sign in");
        h.raw("<main class=\"login\"><h1>extraction-guard console</h1>");
        if (problem != null) {
            h.raw("<p class=\"flash error\">").text(problem).raw("</p>");
        }
        h.raw("<form method=\"post\" action=\"/console/login\"><label>Operator token or OIDC access token "
                + "<input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"off\" required></label> "
                + "<button type=\"submit\" id=\"sign-in\">Sign in</button></form>"
                + "<p class=\"muted\">The token is checked once; the browser then holds a session cookie (HttpOnly, "
                + "SameSite=Strict) for at most 8 hours.</p></main></body></html>");
        return h.toString();
    }

    // ---- campaign list ----

    private String campaigns(ConsoleSessions.Session s) {
        long started = System.nanoTime();
        List<CampaignListing.Campaign> list = ctx.engine().campaigns(MAX_CAMPAIGNS);
        Map<Long, String> names = ctx.names();
        List<AuditView.Row> actions = AuditView.rows(ctx.audit().recentActions(), ctx.json(), r -> !r.account().isEmpty()
                || !r.campaign().isEmpty());
        Map<String, Integer> actionsByAccount = new HashMap<>();
        for (AuditView.Row a : actions) {
            actionsByAccount.merge(a.account(), 1, Integer::sum);
        }
        Html h = new Html();
        frame(h, "Campaigns", s);
        h.raw("<h1>Campaigns</h1>");
        if (list.isEmpty()) {
            h.raw("<p class=\"muted\">The correlation state links no accounts into a campaign right now.</p>");
        } else {
            h.raw("<table class=\"campaigns\"><thead><tr><th>campaign</th><th>accounts</th><th>score</th><th>linked by</th>"
                    + "<th>first seen</th><th>last seen</th><th>actions taken</th></tr></thead><tbody>");
            for (CampaignListing.Campaign c : list) {
                Instant first = null;
                Instant last = null;
                int taken = 0;
                for (long hash : c.accounts()) {
                    String id = names.get(hash);
                    if (id == null) {
                        continue;
                    }
                    taken += actionsByAccount.getOrDefault(id, 0);
                    for (RecentDecisions.Entry e : ctx.recent().of(id)) {
                        first = first == null || e.at().isBefore(first) ? e.at() : first;
                        last = last == null || e.at().isAfter(last) ? e.at() : last;
                    }
                }
                for (AuditView.Row a : actions) {
                    taken += a.campaign().equals(c.id()) ? 1 : 0;
                }
                h.raw("<tr class=\"campaign-row\"><td><a href=\"/console/campaign?id=").text(c.id()).raw("\">").text(c.id())
                        .raw("</a></td><td>").text(c.accounts().size()).raw("</td><td>").num(c.score()).raw("</td><td>");
                h.raw(c.links().stream().map(l -> Html.escape(l.indicator()) + " ×" + l.values() + " (" + Html.fmt(l.strength()) + ")")
                        .collect(Collectors.joining(", ")));
                h.raw("</td><td>").text(first == null ? "–" : first).raw("</td><td>").text(last == null ? "–" : last)
                        .raw("</td><td>").text(taken).raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        }
        h.raw("<p class=\"muted\">First/last seen: this replica's decisions within the last hour. Actions taken: "
                + "operator records on this replica naming a member or the campaign. Built in ")
                .text((System.nanoTime() - started) / 1_000_000).raw(" ms.</p>");
        return end(h);
    }

    // ---- audit and policy ----

    private String auditPage(ConsoleSessions.Session s) {
        Html h = new Html();
        frame(h, "Audit", s);
        h.raw("<h1>Operator and policy records</h1><p class=\"muted\">The last records this replica wrote to its "
                + "audit trail (newest first); the trail itself is the file, verifiable with audit-verify.</p>");
        AuditView.table(h, AuditView.rows(ctx.audit().recentActions(), ctx.json(), r -> true), 500);
        return end(h);
    }

    private String policyPage(ConsoleSessions.Session s) {
        PolicyReloader.Status st = ctx.reloader().status();
        Html h = new Html();
        frame(h, "Policy", s);
        h.raw("<h1>Policy in force</h1><table class=\"kv\"><tr><th>version</th><td id=\"policy-version\">").text(st.activeVersion())
                .raw("</td></tr><tr><th>hash</th><td>").text(st.activeHash()).raw("</td></tr><tr><th>source</th><td>")
                .text(st.source()).raw("</td></tr><tr><th>loaded at</th><td>").text(st.loadedAt())
                .raw("</td></tr><tr><th>last reload attempt</th><td>").text(st.lastAttemptAt() == null ? "–" : st.lastAttemptAt())
                .raw("</td></tr><tr><th>last reload result</th><td id=\"reload-result\">");
        if (st.lastErrors().isEmpty()) {
            h.raw("OK");
        } else {
            h.raw("rejected, the policy above stays active:<ul>");
            st.lastErrors().forEach(e -> h.raw("<li>").text(e).raw("</li>"));
            h.raw("</ul>");
        }
        h.raw("</td></tr></table>");
        if (s.operator.has(Role.POLICY)) {
            h.raw("<form method=\"post\" action=\"/console/policy/reload\">");
            csrf(h, s);
            h.raw("<button type=\"submit\">Reload the policy file now</button></form>");
        }
        return end(h);
    }

    private Mono<ServerResponse> reload(ServerRequest r, ConsoleSessions.Session s, org.springframework.util.MultiValueMap<String, String> form) {
        return Mono.fromCallable(ctx.reloader()::reloadNow).subscribeOn(Schedulers.boundedElastic()).flatMap(applied -> {
            s.flash(applied ? "a changed policy was applied" : "no change applied (unchanged, or rejected: see the result)");
            return ServerResponse.seeOther(URI.create(BASE + "/policy")).build();
        });
    }

    // ---- frame ----

    static void head(Html h, String title) {
        h.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").text(title)
                .raw(" · extraction-guard</title><link rel=\"stylesheet\" href=\"/console/console.css\"><link rel=\"icon\" href=\"/console/favicon.svg\" type=\"image/svg+xml\"></head><body>");
    }

    static void frame(Html h, String title, ConsoleSessions.Session s) {
        head(h, title);
        h.raw("<header><a class=\"brand\" href=\"/console\">extraction-guard</a><nav><a href=\"/console\">Campaigns</a>"
                + "<a href=\"/console/audit\">Audit</a><a href=\"/console/policy\">Policy</a></nav><span class=\"who\">")
                .text(s.operator.name()).raw(" (").text(s.operator.roles().stream().map(Role::label).sorted()
                        .collect(Collectors.joining(", "))).raw(")</span><form method=\"post\" action=\"/console/logout\">");
        csrf(h, s);
        h.raw("<button type=\"submit\" class=\"link\">Sign out</button></form></header><main>");
        s.takeFlash().ifPresent(m -> h.raw("<p class=\"flash\" id=\"flash\">").text(m).raw("</p>"));
    }

    static void csrf(Html h, ConsoleSessions.Session s) {
        h.raw("<input type=\"hidden\" name=\"csrf\" value=\"").text(s.csrf).raw("\">");
    }

    static String end(Html h) {
        return h.raw("</main></body></html>").toString();
    }

    /** Builds a page on a worker thread (it scans state), then sends it. */
    static Mono<ServerResponse> worker(java.util.concurrent.Callable<String> page) {
        return Mono.fromCallable(page).subscribeOn(Schedulers.boundedElastic()).flatMap(body -> html(HttpStatus.OK, body));
    }

    static Mono<ServerResponse> html(HttpStatus status, String body) {
        return ServerResponse.status(status).contentType(HTML).bodyValue(body.getBytes(StandardCharsets.UTF_8));
    }

    static Mono<ServerResponse> error(HttpStatus status, String message) {
        Html h = new Html();
        head(h, "Refused");
        h.raw("<main><h1>").text(status.value() + " " + status.getReasonPhrase()).raw("</h1><p class=\"flash error\" id=\"error\">")
                .text(message).raw("</p><p><a href=\"/console\">Back to the console</a></p></main></body></html>");
        return html(status, h.toString());
    }

    static Set<String> named(CampaignListing.Campaign c, Map<Long, String> names) {
        return c.accounts().stream().map(names::get).filter(java.util.Objects::nonNull).collect(Collectors.toSet());
    }
}
