package io.extractionguard.engine.intel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.support.Fixtures;

class CampaignEvidenceTest {

    static final Instant NOW = Instant.parse("2026-03-02T14:00:00Z");
    private final FeatureExtractor extractor = new FeatureExtractor(java.util.Map.of(), List.of("x"), 1);

    private byte[] sketch(String prompt) {
        return extractor.extract(Fixtures.prompt(prompt)).sketch();
    }

    private static Contribution c(String signal, double strength, boolean shadow) {
        return new Contribution(signal, strength, strength * 40, shadow);
    }

    @Test
    void onlyEnforcedCampaignEvidenceIsKeptAsSketchesAndFingerprints() {
        CampaignEvidence evidence = new CampaignEvidence();
        String prompt = "You are an expert. Show your full reasoning for task 1: sort intervals by start time";
        evidence.record(List.of(c("cot-elicitation", 1, false)), Fixtures.account("a", null, null, "pf-1", NOW),
                sketch(prompt), NOW);
        evidence.record(List.of(c("campaign/template", 0.9, true)), Fixtures.account("a", null, null, "pf-1", NOW),
                sketch(prompt), NOW);
        assertThat(evidence.size()).as("no campaign evidence, or shadow only").isZero();

        evidence.record(List.of(c("campaign/template", 0.6, false), c("campaign/payment", 0.7, false)),
                Fixtures.account("acct-secret", null, null, "pf-1", NOW), sketch(prompt), NOW);
        evidence.record(List.of(c("campaign/template", 0.9, false)), Fixtures.account("acct-other", null, null, null, NOW),
                sketch(prompt), NOW.plusSeconds(60));

        List<Indicator> out = evidence.indicators("Lab", Duration.ofDays(30), NOW.plusSeconds(120));
        assertThat(out).extracting(Indicator::kind)
                .containsExactly(Indicator.Kind.PAYMENT_FINGERPRINT, Indicator.Kind.PROMPT_TEMPLATE);
        Indicator template = out.get(1);
        assertThat(template.confidence()).as("strongest evidence of the merged template").isEqualTo(90);
        assertThat(template.value()).hasSize(3 + 2 * io.extractionguard.engine.features.PromptSketch.BYTES)
                .as("the first recorded sketch, versioned hex (made at export)").isEqualTo(StixBundles.sketchText(sketch(prompt)))
                .doesNotContain("intervals");
        assertThat(template.validUntil()).isEqualTo(NOW.plusSeconds(60).plus(Duration.ofDays(30)));
        assertThat(out.get(0).value()).isEqualTo("pf-1");
        assertThat(out.toString()).doesNotContain("acct-secret", "acct-other");
        assertThat(evidence.indicators("Lab", Duration.ofDays(30), NOW.plusSeconds(120)))
                .as("stable ids: a peer's re-import replaces").extracting(Indicator::id)
                .containsExactlyElementsOf(out.stream().map(Indicator::id).toList());
    }

    @Test
    void evidenceNotSeenForTheHorizonIsNoLongerExported() {
        CampaignEvidence evidence = new CampaignEvidence();
        evidence.record(List.of(c("campaign/payment", 0.8, false)), Fixtures.account("a", null, null, "pf-old", NOW),
                null, NOW);
        assertThat(evidence.indicators("Lab", Duration.ofDays(30), NOW.plus(CampaignEvidence.HORIZON).minusSeconds(1)))
                .hasSize(1);
        assertThat(evidence.indicators("Lab", Duration.ofDays(30), NOW.plus(CampaignEvidence.HORIZON))).isEmpty();
    }

    @Test
    void packedTemplateComparisonAgreesWithPromptSketchSimilarityAtEveryDistance() {
        java.util.Random random = new java.util.Random(5);
        int same = 0;
        int different = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] a = new byte[io.extractionguard.engine.features.PromptSketch.BYTES];
            random.nextBytes(a);
            byte[] b = a.clone();
            int changes = random.nextInt(24); // around the threshold (~13 of 64 components may differ)
            for (int c = 0; c < changes; c++) {
                int component = random.nextInt(io.extractionguard.engine.features.PromptSketch.COMPONENTS);
                b[component >>> 1] ^= (byte) ((1 + random.nextInt(15)) << ((component & 1) * 4));
            }
            boolean expected = io.extractionguard.engine.features.PromptSketch.similarity(a, b)
                    >= CampaignEvidence.SAME_TEMPLATE;
            assertThat(CampaignEvidence.sameTemplate(CampaignEvidence.pack(a), 0, CampaignEvidence.pack(b)))
                    .as("round %d, %d changes", round, changes).isEqualTo(expected);
            if (expected) {
                same++;
            } else {
                different++;
            }
        }
        assertThat(same).as("both sides of the threshold exercised").isGreaterThan(1000);
        assertThat(different).isGreaterThan(1000);
    }

    /** The template store as it was (an access-ordered map scanned in order), as the reference. */
    private static final class MapTemplates {
        record Seen(byte[] sketch, Instant firstSeen, Instant lastSeen, double strength) {
        }

        final java.util.LinkedHashMap<java.nio.ByteBuffer, Seen> map = new java.util.LinkedHashMap<>(64, 0.75f, true);

        void record(byte[] sketch, double strength, Instant now) {
            for (var e : map.entrySet()) {
                Seen s = e.getValue();
                if (io.extractionguard.engine.features.PromptSketch.similarity(s.sketch(), sketch)
                        >= CampaignEvidence.SAME_TEMPLATE) {
                    map.get(e.getKey());
                    map.put(e.getKey(), new Seen(s.sketch(), s.firstSeen(),
                            now.isAfter(s.lastSeen()) ? now : s.lastSeen(), Math.max(s.strength(), strength)));
                    return;
                }
            }
            map.put(java.nio.ByteBuffer.wrap(sketch.clone()), new Seen(sketch.clone(), now, now, strength));
            var it = map.values().iterator();
            while (map.size() > CampaignEvidence.MAX_TEMPLATES) {
                it.next();
                it.remove();
            }
        }
    }

    @Test
    void templatesMergeIntoTheLeastRecentlyUsedMatchAndTheLeastRecentlyUsedIsDroppedAsAMapWouldDoIt() {
        java.util.Random random = new java.util.Random(9);
        CampaignEvidence evidence = new CampaignEvidence();
        MapTemplates reference = new MapTemplates();
        byte[][] families = new byte[600][io.extractionguard.engine.features.PromptSketch.BYTES];
        for (byte[] f : families) {
            random.nextBytes(f);
        }
        Instant now = NOW;
        Duration validity = Duration.ofDays(30);
        for (int phase = 0; phase < 3; phase++) {
            for (int i = 0; i < 10_000; i++) {
                now = now.plusSeconds(random.nextInt(30));
                byte[] sketch = families[random.nextInt(random.nextBoolean() ? 40 : families.length)].clone();
                for (int c = random.nextInt(20); c > 0; c--) { // near the threshold: some merge, some do not
                    int component = random.nextInt(io.extractionguard.engine.features.PromptSketch.COMPONENTS);
                    sketch[component >>> 1] ^= (byte) ((1 + random.nextInt(15)) << ((component & 1) * 4));
                }
                double strength = (1 + random.nextInt(100)) / 100.0; // above 0: evidence without points is not kept
                evidence.record(List.of(c("campaign/template", strength, false)),
                        Fixtures.account("a", null, null, null, NOW), sketch, now);
                reference.record(sketch, strength, now);
            }
            // the export drops templates not seen for the horizon; in phase 1 it is taken late enough to drop some
            Instant exportAt = phase == 1 ? now.plus(CampaignEvidence.HORIZON).minus(Duration.ofMinutes(20)) : now;
            reference.map.values().removeIf(s -> !exportAt.isBefore(s.lastSeen().plus(CampaignEvidence.HORIZON)));
            List<String> expected = reference.map.values().stream()
                    .map(s -> StixBundles.sketchText(s.sketch()) + " " + Math.max(1, Math.min(100, Math.round(s.strength() * 100)))
                            + " " + s.firstSeen() + " " + s.lastSeen().plus(validity))
                    .sorted().toList();
            List<String> actual = evidence.indicators("Lab", validity, exportAt).stream()
                    .map(x -> x.value() + " " + x.confidence() + " " + x.validFrom() + " " + x.validUntil())
                    .sorted().toList();
            if (phase == 1) {
                assertThat(expected).as("some dropped, some kept").hasSizeBetween(10, CampaignEvidence.MAX_TEMPLATES - 10);
            } else {
                assertThat(expected).as("full: the least recently used were dropped").hasSize(CampaignEvidence.MAX_TEMPLATES);
            }
            assertThat(actual).as("phase %d", phase).containsExactlyElementsOf(expected);
            now = exportAt;
        }
    }
}
