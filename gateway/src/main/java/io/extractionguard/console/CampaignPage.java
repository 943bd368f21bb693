package io.extractionguard.console;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.admin.AccountOverrides;
import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.enforce.CampaignSanction;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.operators.Role;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One campaign: what links it, the graph of its accounts and shared values, each account's last hour
 * (paged, {@value #PAGE} a page), the operator records about it, and the action on all its members.
 * A campaign is named by its lowest member hash ({@link CampaignListing.Campaign#id()}).
 */
final class CampaignPage {

    static final int PAGE = 50;
    static final int GRAPH_ACCOUNTS = 150;
    static final int GRAPH_VALUES = 60;

    private final ConsoleContext ctx;

    CampaignPage(ConsoleContext ctx) {
        this.ctx = ctx;
    }

    Mono<ServerResponse> page(ServerRequest r, ConsoleSessions.Session s) {
        String id = r.queryParam("id").orElse("");
        int page = r.queryParam("page").map(CampaignPage::number).orElse(0);
        return ConsolePages.worker(() -> {
            Optional<CampaignListing.Campaign> c = find(id);
            return c.isPresent() ? render(c.get(), page, s) : gone(id, s);
        });
    }

    Optional<CampaignListing.Campaign> find(String id) {
        return ctx.engine().campaigns(Integer.MAX_VALUE).stream().filter(c -> c.id().equals(id)).findFirst();
    }

    private String gone(String id, ConsoleSessions.Session s) {
        Html h = new Html();
        ConsolePages.frame(h, "Campaign", s);
        h.raw("<h1>Campaign ").text(id).raw("</h1><p class=\"flash error\">The correlation state links no campaign by "
                + "this name now (its members may have decayed, or its lowest member left it).</p>");
        return ConsolePages.end(h);
    }

    String render(CampaignListing.Campaign c, int page, ConsoleSessions.Session s) {
        long started = System.nanoTime();
        Instant now = ctx.clock().instant();
        Map<Long, String> names = ctx.names();
        Set<String> named = ConsolePages.named(c, names);
        List<AuditView.Row> records = AuditView.rows(ctx.audit().recentActions(), ctx.json(), AuditView.about(named, c.id()));
        Html h = new Html();
        ConsolePages.frame(h, "Campaign " + c.id(), s);
        h.raw("<h1>Campaign <span id=\"campaign-id\">").text(c.id()).raw("</span></h1><p><span id=\"campaign-size\">")
                .text(c.accounts().size()).raw("</span> accounts (").text(named.size())
                .raw(" decided by this replica within the hour), score ").num(c.score()).raw("</p>");
        h.raw("<table class=\"links\"><thead><tr><th>linked by</th><th>values</th><th>strongest</th><th>accounts seen with it"
                + "</th></tr></thead><tbody>");
        for (CampaignListing.Link l : c.links()) {
            h.raw("<tr><td>").text(l.indicator()).raw("</td><td>").text(l.values()).raw("</td><td>").num(l.strength())
                    .raw("</td><td>").num(l.accounts()).raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        if (s.operator.has(Role.OVERRIDE)) {
            h.raw("<h2>Act on the campaign</h2><p class=\"muted\">Applies to each of the ").text(named.size())
                    .raw(" members this replica can name, one audited override each (members known only by hash cannot be "
                            + "overridden by id).</p>");
            Actions.form(h, s, "/console/campaign/action", "campaign", c.id(), "Apply to the campaign");
            h.raw("<p class=\"muted\">Or sanction it: one audited action over the members linked through strong values "
                    + "(payment, system prompt, template), which also reaches accounts that link to it that way later, "
                    + "by hash or by id.</p><form class=\"act\" id=\"sanction-form\" method=\"post\" action=\"/console/campaign/sanction\">");
            ConsolePages.csrf(h, s);
            h.raw("<input type=\"hidden\" name=\"campaign\" value=\"").text(c.id()).raw("\"><label>Sanction <select "
                    + "name=\"action\" id=\"sanction-action\"><option value=\"block\">block</option><option value=\"challenge\">"
                    + "challenge</option></select></label> <label>TTL <input name=\"ttl\" id=\"sanction-ttl\" value=\"7d\" size=\"5\">"
                    + "</label> <label>Reason <input name=\"reason\" id=\"sanction-reason\" size=\"40\" required></label> "
                    + "<button type=\"submit\" id=\"sanction\">Sanction the campaign</button></form>");
        }
        sanctions(h, c, s);
        CampaignGraph g = CampaignGraph.of(c, hash -> ConsoleContext.name(names, hash), GRAPH_VALUES, GRAPH_ACCOUNTS);
        h.raw("<h2>Accounts and the values they share</h2><p class=\"muted legend\">Circles: accounts. Squares: shared "
                + "values (coloured by indicator; keys, never raw values). A heavier line: a value that links harder "
                + "(rarer, shared by more suspicious accounts). Showing ").text(g.accountsShown).raw(" of ")
                .text(g.accountsTotal).raw(" accounts and ").text(g.valuesShown).raw(" of ").text(g.valuesTotal)
                .raw(" values.</p>");
        g.render(h);
        accounts(h, c, names, records, page, now);
        h.raw("<h2>Operator records</h2>");
        AuditView.table(h, records, 100);
        h.raw("<p class=\"muted\">Built in ").text((System.nanoTime() - started) / 1_000_000).raw(" ms.</p>");
        return ConsolePages.end(h);
    }

    private void accounts(Html h, CampaignListing.Campaign c, Map<Long, String> names, List<AuditView.Row> records, int page,
                          Instant now) {
        int pages = (c.accounts().size() + PAGE - 1) / PAGE;
        int p = Math.max(0, Math.min(page, pages - 1));
        List<Long> shown = c.accounts().subList(p * PAGE, Math.min(c.accounts().size(), (p + 1) * PAGE));
        Map<String, List<RecentDecisions.Entry>> decided = new java.util.HashMap<>();
        for (long hash : shown) {
            String id = names.get(hash);
            if (id != null) {
                decided.put(id, ctx.recent().of(id));
            }
        }
        Instant from = Timeline.windowStart(now, List.copyOf(decided.values()));
        h.raw("<h2>Timeline</h2><table class=\"accounts\"><thead><tr><th>account</th><th>standing</th><th>decisions</th><th>")
                .text(from.toString().substring(11, 19)).raw(" … now (UTC)</th><th>latest reasons</th></tr></thead><tbody>");
        for (long hash : shown) {
            String id = names.get(hash);
            h.raw("<tr class=\"account-row\"><td>");
            if (id == null) {
                h.text("#" + Long.toHexString(hash)).raw("</td><td colspan=\"4\" class=\"muted\">not decided by this replica "
                        + "within the hour</td></tr>");
                continue;
            }
            List<RecentDecisions.Entry> decisions = decided.get(id);
            Optional<Verdict> v = ctx.store().verdict(id, now);
            h.raw("<a href=\"/console/account?id=").text(Html.query(id)).raw("\">").text(id).raw("</a></td><td>")
                    .text(v.map(x -> x.kind() + " until " + x.expiresAt()).orElse("–")).raw("</td><td>").text(decisions.size())
                    .raw("</td><td>");
            List<AuditView.Row> mine = new ArrayList<>();
            for (AuditView.Row a : records) {
                if (a.account().equals(id)) {
                    mine.add(a);
                }
            }
            Timeline.render(h, from, now, decisions, mine);
            h.raw("</td><td>").text(decisions.isEmpty() ? "" : decisions.get(0).action() + ": "
                    + String.join(", ", decisions.get(0).reasons())).raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        if (pages > 1) {
            h.raw("<nav class=\"pages\">Page ").text(p + 1).raw(" of ").text(pages);
            if (p > 0) {
                h.raw(" <a href=\"/console/campaign?id=").text(c.id()).raw("&amp;page=").text(p - 1).raw("\">previous</a>");
            }
            if (p + 1 < pages) {
                h.raw(" <a href=\"/console/campaign?id=").text(c.id()).raw("&amp;page=").text(p + 1).raw("\">next</a>");
            }
            h.raw("</nav>");
        }
    }

    /** The active sanctions reaching any of the campaign's members, each with its release form. */
    private void sanctions(Html h, CampaignListing.Campaign c, ConsoleSessions.Session s) {
        Instant now = ctx.clock().instant();
        java.util.Set<Long> members = new java.util.HashSet<>(c.accounts());
        List<CampaignSanction> active = ctx.engine().sanctions().all().stream()
                .filter(x -> x.isActiveAt(now) && x.members().stream().anyMatch(members::contains)).toList();
        if (active.isEmpty()) {
            return;
        }
        h.raw("<h2>Sanctions in force</h2><table class=\"sanctions\"><thead><tr><th>sanction</th><th>action</th><th>by</th>"
                + "<th>until</th><th>reason</th><th>reached</th><th></th></tr></thead><tbody>");
        for (CampaignSanction x : active) {
            h.raw("<tr class=\"sanction-row\"><td>").text(x.id()).raw("</td><td>").text(x.action()).raw("</td><td>").text(x.operator())
                    .raw("</td><td>").text(x.expiresAt()).raw("</td><td>").text(x.reason()).raw("</td><td>").text(x.penalised().size())
                    .raw("</td><td>");
            if (s.operator.has(Role.OVERRIDE)) {
                h.raw("<form method=\"post\" action=\"/console/sanction/release\">");
                ConsolePages.csrf(h, s);
                h.raw("<input type=\"hidden\" name=\"sanction\" value=\"").text(x.id()).raw("\"><input type=\"hidden\" "
                        + "name=\"campaign\" value=\"").text(c.id()).raw("\"><input name=\"reason\" required placeholder=\"why\"> "
                        + "<button type=\"submit\">Release</button></form>");
            }
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table>");
    }

    /** Sanctions (admin API: campaigns/enforce) every strongly linked campaign among this campaign's members. */
    Mono<ServerResponse> sanction(ServerRequest r, ConsoleSessions.Session s, MultiValueMap<String, String> form) {
        String id = form.getFirst("campaign") == null ? "" : form.getFirst("campaign");
        String action = form.getFirst("action");
        String reason = form.getFirst("reason") == null ? "" : form.getFirst("reason").trim();
        Optional<java.time.Duration> ttl = io.extractionguard.engine.policy.Durations.parse(form.getFirst("ttl"));
        if (!"block".equals(action) && !"challenge".equals(action) || reason.isEmpty() || ttl.isEmpty() || ttl.get().isZero()
                || ttl.get().compareTo(java.time.Duration.ofDays(365)) > 0) {
            return ConsolePages.error(HttpStatus.BAD_REQUEST, "sanction: block or challenge, a TTL up to 365d and a reason");
        }
        Verdict.Kind kind = Verdict.Kind.valueOf(action.toUpperCase(java.util.Locale.ROOT));
        return Mono.fromCallable(() -> {
            Optional<CampaignListing.Campaign> found = find(id);
            if (found.isEmpty()) {
                return Optional.<String>empty();
            }
            java.util.Set<Long> members = new java.util.HashSet<>(found.get().accounts());
            int sanctions = 0;
            int reached = 0;
            int now = 0;
            for (CampaignListing.Campaign strong : ctx.engine().sanctionableCampaigns(CampaignListing.MAX_SCANNED)) {
                if (strong.accounts().stream().anyMatch(members::contains)) {
                    io.extractionguard.admin.CampaignEnforcement.Imposed i = ctx.enforcement().impose(s.operator, strong, kind,
                            ttl.get(), reason, "console campaign " + id);
                    sanctions++;
                    reached += i.members();
                    now += i.penalisedNow();
                }
            }
            return Optional.of(sanctions == 0 ? "no member of campaign " + id + " is linked through a strong value (payment, "
                    + "system prompt, template): act on its accounts instead"
                    : action + " sanction: " + sanctions + " imposed over " + reached + " members (" + now
                    + " by id now, the rest at their next request; later accounts linked the same way too)");
        }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).flatMap(message -> {
            if (message.isEmpty()) {
                return ConsolePages.error(HttpStatus.NOT_FOUND, "no campaign " + id + " now");
            }
            s.flash(message.get());
            return ServerResponse.seeOther(URI.create("/console/campaign?id=" + Html.query(id))).build();
        });
    }

    Mono<ServerResponse> releaseSanction(ServerRequest r, ConsoleSessions.Session s, MultiValueMap<String, String> form) {
        String id = form.getFirst("sanction") == null ? "" : form.getFirst("sanction");
        String campaign = form.getFirst("campaign") == null ? "" : form.getFirst("campaign");
        String reason = form.getFirst("reason") == null ? "" : form.getFirst("reason").trim();
        Optional<CampaignSanction> x = ctx.engine().sanctions().all().stream().filter(c -> c.id().equals(id) && c.released() == null)
                .findFirst();
        if (x.isEmpty() || reason.isEmpty()) {
            return ConsolePages.error(HttpStatus.BAD_REQUEST, "an active sanction and a reason are required");
        }
        return Mono.fromCallable(() -> ctx.enforcement().release(s.operator, x.get(), reason))
                .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).flatMap(rel -> {
                    s.flash("released " + id + ": " + rel.verdictsCleared() + " verdicts cleared");
                    return ServerResponse.seeOther(URI.create("/console/campaign?id=" + Html.query(campaign))).build();
                });
    }

    /** Applies the form's action to every member this replica can name, one audited override each. */
    Mono<ServerResponse> act(ServerRequest r, ConsoleSessions.Session s, MultiValueMap<String, String> form) {
        String id = form.getFirst("campaign") == null ? "" : form.getFirst("campaign");
        return Mono.fromCallable(() -> find(id)).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).flatMap(found -> {
            if (found.isEmpty()) {
                return ConsolePages.error(HttpStatus.NOT_FOUND, "no campaign " + id + " now");
            }
            Map<Long, String> names = ctx.names();
            List<String> members = found.get().accounts().stream().map(names::get).filter(java.util.Objects::nonNull).sorted().toList();
            String action = form.getFirst("action");
            if (!Actions.known(action)) {
                return ConsolePages.error(HttpStatus.BAD_REQUEST, "action: one of block, challenge, allow, release");
            }
            return Flux.fromIterable(members)
                    .concatMap(m -> Actions.apply(ctx.overrides(), s.operator, action, m, form.getFirst("ttl"),
                            form.getFirst("reason"), id).orElseThrow())
                    .collectList().flatMap(outcomes -> {
                        long done = outcomes.stream().filter(o -> !(o instanceof AccountOverrides.Outcome.Refused)).count();
                        Optional<String> problem = outcomes.stream().filter(o -> o instanceof AccountOverrides.Outcome.Refused f
                                && !f.notFound()).map(o -> ((AccountOverrides.Outcome.Refused) o).message()).findFirst();
                        if (problem.isPresent() && done == 0) {
                            return ConsolePages.error(HttpStatus.BAD_REQUEST, problem.get());
                        }
                        s.flash(action + ": applied to " + done + " of " + members.size() + " named members of campaign " + id
                                + (found.get().accounts().size() > members.size() ? "; "
                                + (found.get().accounts().size() - members.size()) + " members known by hash only were not acted on" : ""));
                        return ServerResponse.seeOther(URI.create("/console/campaign?id=" + Html.query(id))).build();
                    });
        });
    }

    private static int number(String s) {
        try {
            return Math.max(0, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
