package io.extractionguard.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import io.extractionguard.engine.correlation.CampaignListing;

/**
 * A campaign's accounts and the shared indicator values linking them, drawn as server-side SVG: a
 * bipartite graph (account circles, value squares), each edge as heavy as the value links hard
 * (rarer values among more suspicious accounts are stronger). Bounded for big campaigns: the
 * strongest values (at most {@code maxValues}) whose sampled accounts fit in {@code maxAccounts},
 * each with all of them; the caption says what was left out. Laid out by a fixed number of force-directed steps from
 * a deterministic start, so the same campaign draws the same way.
 */
final class CampaignGraph {

    static final int WIDTH = 900;
    static final int HEIGHT = 560;
    private static final int STEPS = 120;

    record Node(String id, String label, boolean value, String kind, double x, double y, double size) {
    }

    record Edge(int from, int to, double strength) {
    }

    final List<Node> nodes;
    final List<Edge> edges;
    final int accountsShown;
    final int accountsTotal;
    final int valuesShown;
    final int valuesTotal;

    private CampaignGraph(List<Node> nodes, List<Edge> edges, int accountsShown, int accountsTotal, int valuesShown,
                          int valuesTotal) {
        this.nodes = nodes;
        this.edges = edges;
        this.accountsShown = accountsShown;
        this.accountsTotal = accountsTotal;
        this.valuesShown = valuesShown;
        this.valuesTotal = valuesTotal;
    }

    /** The graph of {@code c}, accounts named by {@code name} (an id, or {@code #hash}). */
    static CampaignGraph of(CampaignListing.Campaign c, LongFunction<String> name, int maxValues, int maxAccounts) {
        // the strongest values first, each with all its sampled accounts, while they fit: whole groups, not scattered nodes
        List<CampaignListing.Value> values = new ArrayList<>();
        java.util.TreeSet<Long> shown = new java.util.TreeSet<>();
        for (CampaignListing.Value v : c.values()) {
            if (values.size() == maxValues) {
                break;
            }
            int added = 0;
            for (long a : v.accounts()) {
                added += shown.contains(a) ? 0 : 1;
            }
            if (!values.isEmpty() && shown.size() + added > maxAccounts) {
                continue;
            }
            values.add(v);
            for (long a : v.accounts()) {
                if (shown.size() < maxAccounts || shown.contains(a)) {
                    shown.add(a);
                }
            }
        }
        List<Long> accounts = new ArrayList<>(shown);
        Map<Long, Integer> index = new LinkedHashMap<>();
        List<double[]> pos = new ArrayList<>();
        List<Node> proto = new ArrayList<>();
        int n = values.size() + accounts.size();
        for (int i = 0; i < values.size(); i++) {
            CampaignListing.Value v = values.get(i);
            double angle = 2 * Math.PI * i / Math.max(1, values.size());
            pos.add(new double[]{WIDTH / 2.0 + 90 * Math.cos(angle), HEIGHT / 2.0 + 90 * Math.sin(angle)});
            proto.add(new Node(v.indicator() + ":" + Long.toHexString(v.key()), v.indicator() + " value "
                    + Long.toHexString(v.key()).substring(0, Math.min(8, Long.toHexString(v.key()).length()))
                    + "… · strength " + Html.fmt(v.strength()) + " · " + v.accounts().length + " sampled accounts",
                    true, v.indicator(), 0, 0, 5 + 5 * v.strength()));
        }
        for (int i = 0; i < accounts.size(); i++) {
            long a = accounts.get(i);
            index.put(a, values.size() + i);
            double angle = 2 * Math.PI * i / Math.max(1, accounts.size());
            pos.add(new double[]{WIDTH / 2.0 + 230 * Math.cos(angle), HEIGHT / 2.0 + 230 * Math.sin(angle)});
            String id = name.apply(a);
            proto.add(new Node(id, id, false, "account", 0, 0, 6));
        }
        List<Edge> edges = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            for (long a : values.get(i).accounts()) {
                Integer to = index.get(a);
                if (to != null) {
                    edges.add(new Edge(i, to, values.get(i).strength()));
                }
            }
        }
        layout(pos, edges, n);
        List<Node> nodes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Node p = proto.get(i);
            nodes.add(new Node(p.id(), p.label(), p.value(), p.kind(), pos.get(i)[0], pos.get(i)[1], p.size()));
        }
        return new CampaignGraph(nodes, edges, accounts.size(), c.accounts().size(), values.size(), c.values().size());
    }

    /** Fruchterman–Reingold, a fixed number of steps with a cooling temperature, kept inside the frame. */
    private static void layout(List<double[]> pos, List<Edge> edges, int n) {
        if (n < 2) {
            return;
        }
        double k = Math.sqrt((double) WIDTH * HEIGHT / n) * 0.9;
        double temperature = WIDTH / 10.0;
        double[][] disp = new double[n][2];
        for (int step = 0; step < STEPS; step++) {
            for (double[] d : disp) {
                d[0] = 0;
                d[1] = 0;
            }
            for (int i = 0; i < n; i++) {
                double[] p = pos.get(i);
                for (int j = i + 1; j < n; j++) {
                    double[] q = pos.get(j);
                    double dx = p[0] - q[0];
                    double dy = p[1] - q[1];
                    double dist = Math.max(0.01, Math.sqrt(dx * dx + dy * dy));
                    double force = k * k / dist;
                    disp[i][0] += dx / dist * force;
                    disp[i][1] += dy / dist * force;
                    disp[j][0] -= dx / dist * force;
                    disp[j][1] -= dy / dist * force;
                }
            }
            for (Edge e : edges) {
                double[] p = pos.get(e.from());
                double[] q = pos.get(e.to());
                double dx = p[0] - q[0];
                double dy = p[1] - q[1];
                double dist = Math.max(0.01, Math.sqrt(dx * dx + dy * dy));
                double force = dist * dist / k * (0.1 + 0.3 * e.strength()) / Math.sqrt(edges.size() / (double) n + 1);
                disp[e.from()][0] -= dx / dist * force;
                disp[e.from()][1] -= dy / dist * force;
                disp[e.to()][0] += dx / dist * force;
                disp[e.to()][1] += dy / dist * force;
            }
            for (int i = 0; i < n; i++) {
                double[] p = pos.get(i);
                double len = Math.max(0.01, Math.hypot(disp[i][0], disp[i][1]));
                double move = Math.min(len, temperature);
                p[0] = Math.min(WIDTH - 20, Math.max(20, p[0] + disp[i][0] / len * move));
                p[1] = Math.min(HEIGHT - 20, Math.max(20, p[1] + disp[i][1] / len * move));
            }
            temperature = Math.max(1, temperature * 0.96);
        }
    }

    /** The SVG element (inline in the page; no script, no style attributes). */
    void render(Html h) {
        h.raw("<svg class=\"graph\" id=\"campaign-graph\" viewBox=\"0 0 ").raw(Integer.toString(WIDTH)).raw(" ")
                .raw(Integer.toString(HEIGHT)).raw("\" role=\"img\" aria-label=\"accounts linked by shared indicator values\">");
        for (Edge e : edges) {
            Node a = nodes.get(e.from());
            Node b = nodes.get(e.to());
            h.raw("<line class=\"edge k-").text(cssName(a.kind())).raw("\" data-value=\"").text(a.id())
                    .raw("\" data-account=\"").text(b.id()).raw("\" x1=\"").num(round(a.x())).raw("\" y1=\"").num(round(a.y()))
                    .raw("\" x2=\"").num(round(b.x())).raw("\" y2=\"").num(round(b.y())).raw("\" stroke-width=\"")
                    .num(round(0.5 + 4 * e.strength())).raw("\" stroke-opacity=\"").num(round(0.25 + 0.7 * e.strength()))
                    .raw("\"/>");
        }
        for (Node node : nodes) {
            if (node.value()) {
                double s = node.size();
                h.raw("<g class=\"node value k-").text(cssName(node.kind())).raw("\" data-value=\"").text(node.id())
                        .raw("\"><title>").text(node.label()).raw("</title><rect x=\"").num(round(node.x() - s))
                        .raw("\" y=\"").num(round(node.y() - s)).raw("\" width=\"").num(round(2 * s)).raw("\" height=\"")
                        .num(round(2 * s)).raw("\"/></g>");
            } else {
                boolean named = !node.id().startsWith("#");
                if (named) {
                    h.raw("<a href=\"/console/account?id=").text(Html.query(node.id())).raw("\">");
                }
                h.raw("<g class=\"node account\" data-account=\"")
                        .text(node.id()).raw("\"><title>").text(node.label()).raw("</title><circle cx=\"").num(round(node.x()))
                        .raw("\" cy=\"").num(round(node.y())).raw("\" r=\"").num(node.size()).raw("\"/><text x=\"")
                        .num(round(node.x() + 8)).raw("\" y=\"").num(round(node.y() + 4)).raw("\">").text(shortName(node.label()))
                        .raw("</text></g>");
                if (named) {
                    h.raw("</a>");
                }
            }
        }
        h.raw("</svg>");
    }

    static String cssName(String kind) {
        return kind.replaceAll("[^a-z0-9-]", "-");
    }

    private static String shortName(String s) {
        return s.length() <= 18 ? s : s.substring(0, 17) + "…";
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
