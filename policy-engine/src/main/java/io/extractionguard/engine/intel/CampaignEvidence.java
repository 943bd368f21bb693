package io.extractionguard.engine.intel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.score.Contribution;

/**
 * What this engine has seen of distillation campaigns, in a form fit to share with other labs: the
 * prompt-template sketches, payment fingerprints and TLS client fingerprints of requests that
 * cross-account correlation flagged ({@code campaign/template}, {@code campaign/payment},
 * {@code campaign/client} contributing, not in shadow). Only sketches and opaque fingerprints are
 * kept, never prompt text, account ids or keys. Bounded ({@value #MAX_TEMPLATES} templates,
 * {@value #MAX_VALUES} fingerprints, least recently seen dropped first); an entry not seen for
 * {@link #HORIZON} is no longer current and is dropped.
 *
 * <p>Recording happens on the request path, but only for requests with campaign contributions
 * (a small synchronized map update; template de-duplication scans at most {@value #MAX_TEMPLATES}
 * sketches). Thread-safe.
 */
public final class CampaignEvidence {

    public static final int MAX_TEMPLATES = 256;
    public static final int MAX_VALUES = 1024;
    /** Evidence not seen again for this long is no longer exported. */
    public static final Duration HORIZON = Duration.ofDays(7);
    /** Templates at least this similar are one template (the importer's matching threshold). */
    public static final double SAME_TEMPLATE = 0.8;

    /** Told of every entry recorded, after it was: kind, value (null for a template), sketch (templates only). */
    public interface Listener {
        Listener NONE = (kind, value, sketch, strength, at) -> {
        };

        /** Must not block: called on the request path, inside the evidence's lock. */
        void recorded(Indicator.Kind kind, String value, byte[] sketch, double strength, Instant at);
    }

    private static final class Entry {
        final Indicator.Kind kind;
        final String value;
        final byte[] sketch;
        Instant firstSeen;
        Instant lastSeen;
        double strength;
        long sightings = 1;

        Entry(Indicator.Kind kind, String value, byte[] sketch, Instant at, double strength) {
            this.kind = kind;
            this.value = value;
            this.sketch = sketch;
            this.firstSeen = at;
            this.lastSeen = at;
            this.strength = strength;
        }
    }

    /** Access-ordered: iteration starts at the least recently seen entry. */
    private final Map<ValueKey, Entry> values = new LinkedHashMap<>(64, 0.75f, true);

    /** A fingerprint's key among {@link #values} (no string built per recording). */
    private record ValueKey(Indicator.Kind kind, String value) {
    }
    /**
     * Templates in flat arrays: slot {@code i} holds {@code templates[i]} and its sketch packed at
     * {@code packed[i * PACKED]}; {@code older}/{@code newer} link the slots from the least recently
     * used ({@code oldest}) to the most recently used ({@code newest}), the order an access-ordered
     * map iterates in, without a map entry and a byte array to visit per template. The hex form is
     * made only on export.
     */
    private static final int PACKED = PromptSketch.BYTES / Long.BYTES;
    private final Entry[] templates = new Entry[MAX_TEMPLATES];
    private final long[] packed = new long[MAX_TEMPLATES * PACKED];
    private final int[] older = new int[MAX_TEMPLATES];
    private final int[] newer = new int[MAX_TEMPLATES];
    private int oldest = -1;
    private int newest = -1;
    private int templateCount;
    private final Listener listener;

    public CampaignEvidence() {
        this(Listener.NONE);
    }

    public CampaignEvidence(Listener listener) {
        this.listener = listener;
    }

    /** Records a request's enforced campaign contributions (no-op without any). */
    public void record(List<Contribution> contributions, ClientIdentity identity, byte[] sketch, Instant now) {
        double template = 0;
        double payment = 0;
        double client = 0;
        for (Contribution c : contributions) {
            if (c.shadow() || c.points() <= 0) {
                continue;
            }
            switch (c.signal()) {
                case "campaign/template" -> template = Math.max(template, c.strength());
                case "campaign/payment" -> payment = Math.max(payment, c.strength());
                case "campaign/client" -> client = Math.max(client, c.strength());
                default -> {
                }
            }
        }
        if (template == 0 && payment == 0 && client == 0) {
            return;
        }
        synchronized (this) {
            if (template > 0 && sketch != null && sketch.length == PromptSketch.BYTES) {
                recordTemplate(sketch, template, now);
                listener.recorded(Indicator.Kind.PROMPT_TEMPLATE, null, sketch, template, now);
            }
            if (payment > 0 && identity.paymentFingerprint() != null) {
                recordValue(Indicator.Kind.PAYMENT_FINGERPRINT, identity.paymentFingerprint(), payment, now);
                listener.recorded(Indicator.Kind.PAYMENT_FINGERPRINT, identity.paymentFingerprint(), null, payment, now);
            }
            if (client > 0 && identity.clientJa4() != null) {
                recordValue(Indicator.Kind.CLIENT_JA4, identity.clientJa4(), client, now);
                listener.recorded(Indicator.Kind.CLIENT_JA4, identity.clientJa4(), null, client, now);
            }
        }
    }

    /**
     * Adds an entry recorded elsewhere (the fleet's, read back from shared state): as if seen at
     * {@code lastSeen} with {@code strength}, first seen no later than {@code firstSeen}, {@code sightings} times.
     */
    public synchronized void merge(Indicator.Kind kind, String value, byte[] sketch, Instant firstSeen, Instant lastSeen,
                                   double strength, long sightings) {
        Entry e;
        if (kind == Indicator.Kind.PROMPT_TEMPLATE) {
            if (sketch == null || sketch.length != PromptSketch.BYTES) {
                return;
            }
            recordTemplate(sketch, strength, lastSeen);
            e = templates[newest];
        } else {
            recordValue(kind, value, strength, lastSeen);
            e = values.get(new ValueKey(kind, value));
        }
        if (e != null) {
            e.sightings += Math.max(1, sightings) - 1; // recording counted one sighting, new or not
            if (firstSeen.isBefore(e.firstSeen)) {
                e.firstSeen = firstSeen;
            }
        }
    }

    /**
     * Merges the sketch into the least recently used stored template it matches, or stores it,
     * dropping the least recently used template when {@value #MAX_TEMPLATES} are held.
     */
    private void recordTemplate(byte[] sketch, double strength, Instant now) {
        long[] p = pack(sketch);
        for (int i = oldest; i >= 0; i = newer[i]) {
            if (sameTemplate(packed, i * PACKED, p)) {
                touch(templates[i], strength, now);
                unlink(i);
                link(i);
                return;
            }
        }
        int slot;
        if (templateCount < MAX_TEMPLATES) {
            slot = templateCount++;
        } else {
            slot = oldest;
            unlink(slot);
        }
        templates[slot] = new Entry(Indicator.Kind.PROMPT_TEMPLATE, null, sketch.clone(), now, strength);
        System.arraycopy(p, 0, packed, slot * PACKED, PACKED);
        link(slot);
    }

    /** Makes slot {@code i} the most recently used. */
    private void link(int i) {
        older[i] = newest;
        newer[i] = -1;
        if (newest >= 0) {
            newer[newest] = i;
        } else {
            oldest = i;
        }
        newest = i;
    }

    private void unlink(int i) {
        if (older[i] >= 0) {
            newer[older[i]] = newer[i];
        } else {
            oldest = newer[i];
        }
        if (newer[i] >= 0) {
            older[newer[i]] = older[i];
        } else {
            newest = older[i];
        }
    }

    /** Drops the templates {@code keep} rejects; the others keep their order in compacted slots. */
    private void retainTemplates(java.util.function.Predicate<Entry> keep) {
        List<Entry> kept = new ArrayList<>(templateCount);
        List<long[]> keptPacked = new ArrayList<>(templateCount);
        for (int i = oldest; i >= 0; i = newer[i]) {
            if (keep.test(templates[i])) {
                kept.add(templates[i]);
                keptPacked.add(Arrays.copyOfRange(packed, i * PACKED, (i + 1) * PACKED));
            }
        }
        Arrays.fill(templates, null);
        oldest = -1;
        newest = -1;
        templateCount = kept.size();
        for (int i = 0; i < templateCount; i++) {
            templates[i] = kept.get(i);
            System.arraycopy(keptPacked.get(i), 0, packed, i * PACKED, PACKED);
            link(i);
        }
    }

    /**
     * Equal 4-bit components two sketches need to be one template: the smallest count whose
     * {@link PromptSketch#similarity} reaches {@link #SAME_TEMPLATE}, found with that method itself so the
     * scan below decides exactly as comparing with it would.
     */
    static final int SAME_TEMPLATE_EQUAL_COMPONENTS = sameTemplateEqualComponents();

    private static int sameTemplateEqualComponents() {
        for (int equal = 0; equal <= PromptSketch.COMPONENTS; equal++) {
            byte[] a = new byte[PromptSketch.BYTES];
            byte[] b = new byte[PromptSketch.BYTES];
            for (int i = equal; i < PromptSketch.COMPONENTS; i++) { // components equal..63 differ (0 vs 1)
                b[i >>> 1] |= (byte) ((i & 1) == 0 ? 0x01 : 0x10);
            }
            if (PromptSketch.similarity(a, b) >= SAME_TEMPLATE) {
                return equal;
            }
        }
        return Integer.MAX_VALUE;
    }

    /**
     * Whether two packed sketches share at least {@link #SAME_TEMPLATE_EQUAL_COMPONENTS} components: 16
     * components per long, a component equal where its 4 XORed bits are all zero. The scan over up to
     * {@value #MAX_TEMPLATES} stored templates runs for every request with template evidence (it was a
     * quarter of the replay's deciding thread as 32 table lookups per template).
     */
    static boolean sameTemplate(long[] a, int aOffset, long[] b) {
        int differing = 0;
        for (int i = 0; i < b.length; i++) {
            long x = a[aOffset + i] ^ b[i];
            differing += Long.bitCount((x | x >>> 1 | x >>> 2 | x >>> 3) & 0x1111_1111_1111_1111L);
            if (differing > MAX_DIFFERING_COMPONENTS) {
                return false; // an unrelated template differs in most of its first 16 components: one long read
            }
        }
        return true;
    }

    /** Components two sketches of one template may differ in. */
    private static final int MAX_DIFFERING_COMPONENTS = PromptSketch.COMPONENTS - SAME_TEMPLATE_EQUAL_COMPONENTS;

    /** A sketch's bytes as longs, 8 bytes (16 whole components) each. */
    static long[] pack(byte[] sketch) {
        long[] out = new long[(sketch.length + 7) >>> 3];
        for (int i = 0; i < sketch.length; i++) {
            out[i >>> 3] |= (sketch[i] & 0xFFL) << ((i & 7) << 3);
        }
        return out;
    }

    private void recordValue(Indicator.Kind kind, String value, double strength, Instant now) {
        ValueKey key = new ValueKey(kind, value);
        Entry e = values.get(key);
        if (e == null) {
            values.put(key, new Entry(kind, value, null, now, strength));
            trim(values, MAX_VALUES);
        } else {
            touch(e, strength, now);
        }
    }

    private static void touch(Entry e, double strength, Instant now) {
        e.sightings++;
        if (now.isAfter(e.lastSeen)) {
            e.lastSeen = now;
        }
        e.strength = Math.max(e.strength, strength);
    }

    private static void trim(Map<?, Entry> map, int max) {
        Iterator<Entry> it = map.values().iterator();
        while (map.size() > max && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /**
     * The current evidence as indicators with their sightings: confidence is the strongest campaign
     * evidence seen for the value (0–100), validity runs from first sight to {@code validity} after
     * last sight. Ids are derived from kind and value, so exporting again yields the same ids (a
     * peer's re-import replaces instead of duplicating).
     */
    public synchronized List<SharedEvidence> evidence(String producer, Duration validity, Instant now) {
        retainTemplates(e -> now.isBefore(e.lastSeen.plus(HORIZON)));
        values.values().removeIf(e -> !now.isBefore(e.lastSeen.plus(HORIZON)));
        List<SharedEvidence> out = new ArrayList<>(templateCount + values.size());
        for (List<Entry> entries : List.of(Arrays.asList(templates).subList(0, templateCount),
                List.copyOf(values.values()))) {
            for (Entry e : entries) {
                String value = e.value != null ? e.value : StixBundles.sketchText(e.sketch);
                String id = "indicator--" + UUID.nameUUIDFromBytes((e.kind.name() + ":" + value)
                        .getBytes(StandardCharsets.UTF_8));
                int confidence = (int) Math.max(1, Math.min(100, Math.round(e.strength * 100)));
                out.add(new SharedEvidence(new Indicator(id, e.kind, value, confidence, e.firstSeen,
                        e.lastSeen.plus(validity), producer, null, ""), e.lastSeen, e.sightings));
            }
        }
        out.sort(Comparator.comparing((SharedEvidence s) -> s.indicator().kind())
                .thenComparing(s -> s.indicator().value()));
        return out;
    }

    /** {@link #evidence} without the sightings. */
    public List<Indicator> indicators(String producer, Duration validity, Instant now) {
        return evidence(producer, validity, now).stream().map(SharedEvidence::indicator).toList();
    }

    /** Entries held (templates and fingerprints). */
    public synchronized int size() {
        return templateCount + values.size();
    }
}
