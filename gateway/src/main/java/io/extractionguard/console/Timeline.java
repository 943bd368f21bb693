package io.extractionguard.console;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import io.extractionguard.gateway.observe.RecentDecisions;

/**
 * One account's recent history (up to the last hour) as a strip of SVG marks: a tick per decision this replica made (coloured
 * by the action taken) and a triangle per operator action on it. Hover shows what and why.
 */
final class Timeline {

    static final Duration WINDOW = Duration.ofHours(1);
    static final Duration MIN_WINDOW = Duration.ofMinutes(5);
    private static final int WIDTH = 360;
    private static final int HEIGHT = 18;

    private Timeline() {
    }

    /**
     * The window a set of strips shares: from the earliest decision among them (at least
     * {@link #MIN_WINDOW}, at most {@link #WINDOW} back) to now, so a burst of seconds is not one tick.
     */
    static Instant windowStart(Instant now, List<List<RecentDecisions.Entry>> decisions) {
        Instant from = now.minus(MIN_WINDOW);
        for (List<RecentDecisions.Entry> list : decisions) {
            for (RecentDecisions.Entry e : list) {
                from = e.at().isBefore(from) ? e.at() : from;
            }
        }
        Instant oldest = now.minus(WINDOW);
        Instant start = from.isBefore(oldest) ? oldest : from;
        return start.minus(Duration.between(start, now).dividedBy(50)); // a margin so the first mark is not on the edge
    }

    static void render(Html h, Instant from, Instant now, List<RecentDecisions.Entry> decisions, List<AuditView.Row> actions) {
        h.raw("<svg class=\"timeline\" viewBox=\"0 0 ").raw(Integer.toString(WIDTH)).raw(" ").raw(Integer.toString(HEIGHT))
                .raw("\" width=\"").raw(Integer.toString(WIDTH)).raw("\" height=\"").raw(Integer.toString(HEIGHT))
                .raw("\"><line class=\"axis\" x1=\"0\" y1=\"9\" x2=\"").raw(Integer.toString(WIDTH)).raw("\" y2=\"9\"/>");
        for (RecentDecisions.Entry e : decisions) {
            if (e.at().isBefore(from)) {
                continue;
            }
            h.raw("<rect class=\"decision a-").text(e.action().toLowerCase(Locale.ROOT)).raw("\" x=\"").num(x(from, now, e.at()) - 1)
                    .raw("\" y=\"2\" width=\"3\" height=\"14\"><title>").text(e.at() + " " + e.action() + " score "
                            + Html.fmt(e.score()) + (e.reasons().isEmpty() ? "" : ": " + String.join(", ", e.reasons())))
                    .raw("</title></rect>");
        }
        for (AuditView.Row a : actions) {
            Instant at;
            try {
                at = Instant.parse(a.ts());
            } catch (RuntimeException ex) {
                continue;
            }
            if (at.isBefore(from)) {
                continue;
            }
            double x = x(from, now, at);
            h.raw("<path class=\"operator-action\" d=\"M").num(x - 5).raw(" 17 L").num(x + 5).raw(" 17 L").num(x)
                    .raw(" 7 Z\"><title>").text(a.ts() + " " + a.actor() + " " + a.action() + ": " + a.reason())
                    .raw("</title></path>");
        }
        h.raw("</svg>");
    }

    private static double x(Instant from, Instant now, Instant at) {
        double f = (double) Duration.between(from, at).toMillis() / Math.max(1, Duration.between(from, now).toMillis());
        return Math.round(Math.max(0, Math.min(1, f)) * (WIDTH - 4) + 2);
    }
}
