package io.extractionguard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.correlation.CampaignListing;

/** The campaign graph's model and SVG: edges weighted by how hard a value links, bounded for big campaigns. */
class CampaignGraphTest {

    private static CampaignListing.Value value(String kind, long key, double strength, long... accounts) {
        return new CampaignListing.Value(kind, key, strength, accounts);
    }

    private static CampaignListing.Campaign campaign(List<CampaignListing.Value> values) {
        List<Long> accounts = values.stream().flatMapToLong(v -> LongStream.of(v.accounts())).distinct().sorted().boxed().toList();
        return new CampaignListing.Campaign(accounts, List.of(), 1, values);
    }

    @Test
    void rareValuesDrawHeavierEdgesAndEverySampledAccountIsLinked() {
        CampaignListing.Campaign c = campaign(List.of(value("payment", 0xabcL, 0.9, 1, 2, 3), value("network", 0xdefL, 0.2, 3, 4)));
        CampaignGraph g = CampaignGraph.of(c, h -> "acct-" + h, 60, 150);
        assertThat(g.nodes).hasSize(6);
        assertThat(g.edges).hasSize(5);
        Html h = new Html();
        g.render(h);
        String svg = h.toString();
        assertThat(svg).contains("data-value=\"payment:abc\" data-account=\"acct-1\" x1=")
                .contains("data-value=\"network:def\" data-account=\"acct-4\" x1=");
        double heavy = strokeOf(svg, "payment:abc");
        double light = strokeOf(svg, "network:def");
        assertThat(heavy).isGreaterThan(light * 2);
        assertThat(svg).doesNotContain("style=").doesNotContain("<script");
    }

    @Test
    void aCampaignOfTenThousandAccountsIsDrawnBoundedAndFast() {
        List<CampaignListing.Value> values = new ArrayList<>();
        for (int v = 0; v < 400; v++) { // 400 cards of 25 accounts, chained by 400 networks: one campaign of 10,000
            values.add(value("payment", 1000 + v, 0.5 + v % 5 / 10.0, LongStream.range(v * 25L, v * 25L + 25).toArray()));
            values.add(value("network", 5000 + v, 0.3, LongStream.range(v * 25L + 12, Math.min(10_000, v * 25L + 37)).toArray()));
        }
        values.sort((a, b) -> Double.compare(b.strength(), a.strength()));
        CampaignListing.Campaign c = campaign(values);
        assertThat(c.accounts()).hasSize(10_000);
        long[] micros = new long[7];
        CampaignGraph g = null;
        Html h = null;
        for (int i = 0; i < micros.length; i++) {
            long started = System.nanoTime();
            g = CampaignGraph.of(c, a -> "acct-" + a, 60, 150);
            h = new Html();
            g.render(h);
            micros[i] = (System.nanoTime() - started) / 1000;
        }
        java.util.Arrays.sort(micros);
        System.out.printf("campaign graph of 10,000 accounts: median %d µs of 7 (min %d, max %d), %d nodes, %d edges, "
                + "%d bytes of SVG%n", micros[3], micros[0], micros[6], g.nodes.size(), g.edges.size(), h.toString().length());
        assertThat(g.accountsShown).isBetween(100, 150);
        assertThat(g.edges.size()).as("every account drawn is linked").isGreaterThanOrEqualTo(g.accountsShown);
        assertThat(g.accountsTotal).isEqualTo(10_000);
        assertThat(g.valuesTotal).isEqualTo(800);
        assertThat(micros[3]).isLessThan(1_000_000);
    }

    private static double strokeOf(String svg, String value) {
        int at = svg.indexOf("data-value=\"" + value + "\" data-account");
        int w = svg.indexOf("stroke-width=\"", at) + "stroke-width=\"".length();
        return Double.parseDouble(svg.substring(w, svg.indexOf('"', w)));
    }
}
