package io.extractionguard.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The operator and policy records this replica wrote lately ({@code AuditTrail.recentActions}), as rows. */
final class AuditView {

    record Row(long seq, String ts, String kind, String actor, String action, String account, String campaign,
               String reason, String ttl, String detail) {
    }

    private AuditView() {
    }

    static List<Row> rows(List<String> lines, JsonMapper json, Predicate<Row> which) {
        List<Row> out = new ArrayList<>();
        for (String line : lines) {
            JsonNode n;
            try {
                n = json.readTree(line);
            } catch (JacksonException e) {
                continue;
            }
            JsonNode d = n.path("data");
            Row row = new Row(n.path("seq").asLong(), n.path("ts").asString(""), n.path("kind").asString(""),
                    d.path("actor").asString(""), d.path("action").asString(d.path("outcome").asString("")),
                    d.path("account").asString(""), d.path("campaign").asString(""), d.path("reason").asString(""),
                    d.path("ttl").asString(""), d.path("previous").asString(d.path("version").asString("")));
            if (which.test(row)) {
                out.add(row);
            }
        }
        return out;
    }

    static Predicate<Row> about(Set<String> accounts, String campaign) {
        return r -> accounts.contains(r.account()) || !campaign.isEmpty() && campaign.equals(r.campaign());
    }

    static void table(Html h, List<Row> rows, int max) {
        if (rows.isEmpty()) {
            h.raw("<p class=\"muted\">No operator records on this replica.</p>");
            return;
        }
        h.raw("<table class=\"audit\"><thead><tr><th>seq</th><th>time</th><th>kind</th><th>actor</th><th>action</th>"
                + "<th>account</th><th>reason</th><th>ttl</th><th>detail</th></tr></thead><tbody>");
        for (Row r : rows.subList(0, Math.min(max, rows.size()))) {
            h.raw("<tr class=\"audit-row\"><td>").text(r.seq()).raw("</td><td>").text(r.ts()).raw("</td><td>").text(r.kind())
                    .raw("</td><td>").text(r.actor()).raw("</td><td class=\"audit-action\">").text(r.action()).raw("</td><td>");
            if (!r.account().isEmpty()) {
                h.raw("<a href=\"/console/account?id=").text(Html.query(r.account())).raw("\">").text(r.account()).raw("</a>");
            }
            if (!r.campaign().isEmpty()) {
                h.raw(" campaign ").text(r.campaign());
            }
            h.raw("</td><td class=\"audit-reason\">").text(r.reason()).raw("</td><td>").text(r.ttl()).raw("</td><td>")
                    .text(r.detail()).raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        if (rows.size() > max) {
            h.raw("<p class=\"muted\">").text(rows.size() - max).raw(" older records not shown.</p>");
        }
    }
}
