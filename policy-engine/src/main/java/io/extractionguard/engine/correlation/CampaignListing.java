package io.extractionguard.engine.correlation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.extractionguard.engine.campaign.CampaignSettings;
import io.extractionguard.engine.campaign.IndicatorKind;
import io.extractionguard.engine.campaign.IndicatorSettings;
import io.extractionguard.engine.campaign.SharedValue;
import io.extractionguard.engine.campaign.TemplateSettings;
import io.extractionguard.engine.enforce.SanctionKeys;
import io.extractionguard.engine.score.Scorer;
import io.extractionguard.engine.spi.CampaignStore;

/**
 * Groups the accounts the campaign state currently links into campaigns, for operators. A shared
 * value links its sampled accounts when it is evidence by the policy's own rules: an indicator
 * value whose sampled accounts' summed suspicion is above {@code min-suspects} (strength = the
 * suspicion ramp × the value's rarity, as on the request path), a template bucket that other
 * accounts fill with harvesting-shaped prompts ({@code min-accounts} and heat {@code low} ramps).
 * Accounts linked through such values, directly or through each other, form one campaign.
 *
 * <p>A campaign's {@code score} is what its links would add to a fresh linked account's score:
 * per indicator kind, the strongest link's strength times the kind's weight, summed (shadow modes
 * ignored). Only sampled accounts can be listed (each value samples at most
 * {@value IndicatorRecord#SAMPLE} accounts, each bucket {@value TemplateBucket#SAMPLE}). Scans
 * local state: for the admin API, never the request path.
 */
public final class CampaignListing {

    /** Values and buckets scanned at most. */
    public static final int MAX_SCANNED = 200_000;

    /**
     * One way a campaign's accounts are linked.
     *
     * @param indicator  {@code template} or the indicator kind's id
     * @param values     distinct values (or buckets) of this kind linking the campaign's accounts
     * @param strength   the strongest of them, in [0, 1]
     * @param accounts   estimated distinct accounts seen with the strongest
     */
    public record Link(String indicator, int values, double strength, double accounts) {
    }

    /**
     * One shared value linking some of a campaign's accounts: an edge set of its graph.
     *
     * @param indicator {@code template} or the indicator kind's id
     * @param key       the value's (or bucket's) 64-bit key; never the raw value
     * @param strength  how strongly it links, in [0, 1] (rarer values and more suspicious sharers link harder)
     * @param accounts  sampling hashes of the accounts sampled with it
     */
    public record Value(String indicator, long key, double strength, long[] accounts) {

        /** Whether a sanction on the campaign follows this linking value ({@link SanctionKeys}). */
        public boolean followedBySanctions() {
            IndicatorKind kind = kind();
            return (kind != null || indicator.equals("template")) && SanctionKeys.followed(kind)
                    && (kind != null || strength >= SanctionKeys.MIN_STRENGTH);
        }

        /** The tagged key a sanction follows this value by. */
        public long sanctionKey() {
            return SanctionKeys.tag(kind(), key);
        }

        private IndicatorKind kind() {
            return indicator.equals("template") ? null : IndicatorKind.byId(indicator).orElse(null);
        }
    }

    /**
     * @param accounts sampling hashes of the linked accounts ({@code accountHash & Long.MAX_VALUE}), ascending
     * @param links    the indicators linking them, strongest first
     * @param score    points a fresh account linked the same way would get from campaign evidence
     * @param values   the shared values linking them, strongest first
     */
    public record Campaign(List<Long> accounts, List<Link> links, double score, List<Value> values) {

        /** A name for the campaign while its lowest-hashed member stays in it: that member's hash in hex. */
        public String id() {
            return Long.toHexString(accounts.get(0));
        }
    }

    private CampaignListing() {
    }

    /** The current campaigns, highest score first, at most {@code max}. */
    public static List<Campaign> list(CampaignStore store, CampaignSettings s, int max) {
        return list(store, s, max, v -> true);
    }

    /**
     * The campaigns linked only through values {@code linkBy} accepts: for actions that must not sweep
     * in accounts a common value ties to a campaign.
     */
    public static List<Campaign> list(CampaignStore store, CampaignSettings s, int max,
                                      java.util.function.Predicate<Value> linkBy) {
        if (!s.enabled()) {
            return List.of();
        }
        double population = store.population();
        Map<Long, Long> parent = new HashMap<>();
        List<SharedValue> linking = new ArrayList<>();
        List<Double> strengths = new ArrayList<>();
        for (SharedValue v : store.sharedValues(2, MAX_SCANNED)) {
            double strength = strength(v, s, population);
            if (strength <= 0 || v.accounts().length < 2
                    || !linkBy.test(new Value(v.kind() == null ? "template" : v.kind().id(), v.key(), strength, v.accounts()))) {
                continue;
            }
            linking.add(v);
            strengths.add(strength);
            long first = v.accounts()[0];
            for (long a : v.accounts()) {
                union(parent, first, a);
            }
        }
        Map<Long, List<Long>> members = new HashMap<>();
        for (Long a : parent.keySet()) {
            members.computeIfAbsent(find(parent, a), k -> new ArrayList<>()).add(a);
        }
        Map<Long, Map<String, double[]>> linksByRoot = new HashMap<>(); // indicator → {values, strength, accounts}
        Map<Long, Map<String, Double>> weightByRoot = new HashMap<>();
        Map<Long, List<Value>> valuesByRoot = new HashMap<>();
        for (int i = 0; i < linking.size(); i++) {
            SharedValue v = linking.get(i);
            double strength = strengths.get(i);
            long root = find(parent, v.accounts()[0]);
            String id = v.kind() == null ? "template" : v.kind().id();
            valuesByRoot.computeIfAbsent(root, k -> new ArrayList<>()).add(new Value(id, v.key(), round(strength), v.accounts()));
            double[] link = linksByRoot.computeIfAbsent(root, k -> new HashMap<>()).computeIfAbsent(id, k -> new double[3]);
            link[0]++;
            if (strength > link[1]) {
                link[1] = strength;
                link[2] = v.distinct();
            }
            weightByRoot.computeIfAbsent(root, k -> new HashMap<>()).put(id, weight(v.kind(), s));
        }
        List<Campaign> out = new ArrayList<>();
        for (Map.Entry<Long, List<Long>> e : members.entrySet()) {
            List<Long> accounts = e.getValue();
            accounts.sort(null);
            List<Link> links = new ArrayList<>();
            double score = 0;
            for (Map.Entry<String, double[]> l : linksByRoot.get(e.getKey()).entrySet()) {
                double[] v = l.getValue();
                links.add(new Link(l.getKey(), (int) v[0], round(v[1]), Math.round(v[2])));
                score += v[1] * weightByRoot.get(e.getKey()).get(l.getKey());
            }
            links.sort(Comparator.comparingDouble(Link::strength).reversed().thenComparing(Link::indicator));
            List<Value> values = valuesByRoot.get(e.getKey());
            values.sort(Comparator.comparingDouble(Value::strength).reversed().thenComparingLong(Value::key));
            out.add(new Campaign(List.copyOf(accounts), List.copyOf(links), round(score), List.copyOf(values)));
        }
        out.sort(Comparator.comparingDouble(Campaign::score).reversed()
                .thenComparing(c -> -c.accounts().size()));
        return out.size() > max ? List.copyOf(out.subList(0, max)) : List.copyOf(out);
    }

    /** How strongly a shared value links its accounts, by the request path's rules (0 = not at all). */
    static double strength(SharedValue v, CampaignSettings s, double population) {
        if (v.kind() == null) {
            TemplateSettings t = s.template();
            return Scorer.ramp(v.distinct(), t.minAccounts(), t.fullAccounts()) * Scorer.ramp(v.heat(), t.low(), t.high());
        }
        if (s.indicator(v.kind()) == null) {
            return 0;
        }
        double heat = Scorer.ramp(v.suspicionSum(), s.minSuspects(), s.fullSuspects());
        float rarity = Float.isNaN(v.rarity()) ? CampaignCorrelator.rarity(v.distinct(), population) : v.rarity();
        return Math.min(1, heat * rarity);
    }

    private static double weight(IndicatorKind kind, CampaignSettings s) {
        if (kind == null) {
            return s.template().weight();
        }
        IndicatorSettings is = s.indicator(kind);
        return is == null ? 0 : is.weight();
    }

    private static long find(Map<Long, Long> parent, long a) {
        long root = a;
        Long p;
        while ((p = parent.get(root)) != null && p != root) {
            root = p;
        }
        parent.putIfAbsent(a, a);
        // path compression
        long x = a;
        while ((p = parent.get(x)) != null && p != root) {
            parent.put(x, root);
            x = p;
        }
        return root;
    }

    private static void union(Map<Long, Long> parent, long a, long b) {
        long ra = find(parent, a);
        long rb = find(parent, b);
        if (ra != rb) {
            parent.put(rb, ra);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
