package io.extractionguard.engine.intel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.score.Contribution;
import io.extractionguard.engine.support.Fixtures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class StixBundlesTest {

    static final Instant NOW = Instant.parse("2026-03-02T14:00:00.123456789Z");

    private final byte[] templateSketch = new FeatureExtractor(java.util.Map.of(), List.of("x"), 1)
            .extract(Fixtures.prompt("You are an expert. Show your full reasoning for task 1: sort intervals by start time"))
            .sketch();

    private List<Indicator> indicators() {
        Instant until = NOW.plus(Duration.ofDays(7));
        return List.of(
                new Indicator(StixBundles.newId(), Indicator.Kind.PAYMENT_FINGERPRINT, "pf-9f2c", 90, NOW, until, "", "", ""),
                new Indicator(StixBundles.newId(), Indicator.Kind.CLIENT_JA4, "t13d1516h2_8daaf6152771_b0da82dd1658", 60, NOW,
                        until, "", "", ""),
                new Indicator(StixBundles.newId(), Indicator.Kind.IP_PREFIX, "203.0.113.0/24", 70, NOW, until, "", "", ""),
                new Indicator(StixBundles.newId(), Indicator.Kind.IP_PREFIX, "2001:db8:abcd::/48", 70, NOW, until, "", "", ""),
                new Indicator(StixBundles.newId(), Indicator.Kind.PROMPT_TEMPLATE, StixBundles.sketchText(templateSketch), 80,
                        NOW, until, "", "", "hydra template A"));
    }

    private static List<SharedEvidence> seenOnce(List<Indicator> indicators) {
        return indicators.stream().map(SharedEvidence::once).toList();
    }

    private static StixImport.Result read(String bundle, Instant at) {
        return StixImport.parse(bundle.getBytes(StandardCharsets.UTF_8), StixImport.Options.OPERATOR, at);
    }

    @Test
    void everyExportedObjectValidatesAgainstTheOasisSchemasWithMillisecondTimestampsAndTheTlpMarking() {
        CampaignEvidence evidence = new CampaignEvidence();
        Contribution payment = new Contribution("campaign/payment", 0.8, 30, false);
        Contribution template = new Contribution("campaign/template", 0.9, 40, false);
        Contribution client = new Contribution("campaign/client", 0.6, 10, false);
        ClientIdentity caller = new ClientIdentity("a", ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null,
                "pf-9f2c", "t13d1516h2_8daaf6152771_b0da82dd1658", "ua", "203.0.113.9", 0);
        evidence.record(List.of(payment, template, client), caller, templateSketch, NOW);
        evidence.record(List.of(payment), caller, templateSketch, NOW.plusMillis(1500));
        List<SharedEvidence> shared = new ArrayList<>(evidence.evidence("Lab A", Duration.ofDays(30), NOW.plusSeconds(5)));
        shared.addAll(seenOnce(indicators().subList(2, 4))); // networks: not in campaign evidence, but exportable

        for (Tlp tlp : Tlp.values()) {
            JsonNode bundle = StixBundles.JSON.readTree(StixExport.bundle("Lab A Trust & Safety", tlp, shared));
            assertThat(StixSchemas.violations(bundle)).as(tlp.displayName()).isEmpty();
            TreeMap<String, Integer> types = new TreeMap<>();
            for (JsonNode o : bundle.get("objects")) {
                types.merge(o.get("type").asString(), 1, Integer::sum);
                for (String field : List.of("created", "modified", "valid_from", "valid_until", "first_seen", "last_seen")) {
                    if (o.has(field)) {
                        assertThat(o.get(field).asString()).as(o.get("id") + "." + field)
                                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
                    }
                }
                if (!o.get("type").asString().equals("marking-definition")) {
                    assertThat(o.get("object_marking_refs").get(0).asString()).as(o.get("id").asString())
                            .isEqualTo(tlp.markingId());
                }
            }
            assertThat(types).containsExactlyEntriesOf(new TreeMap<>(Map.of("marking-definition", 1, "identity", 1,
                    "campaign", 1, "indicator", 5, "relationship", 5, "sighting", 5)));
            assertThat(bundle.get("objects").get(0).get("name").asString()).isEqualTo(tlp.displayName());
        }
        String text = StixExport.bundle("Lab A", Tlp.AMBER, shared);
        assertThat(text).doesNotContain("show your full reasoning", "intervals").contains("\"count\" : 2");
    }

    @Test
    void reExportKeepsIdsAndCreatedAndMovesModifiedOnlyWhenTheEvidenceChanged() {
        CampaignEvidence evidence = new CampaignEvidence();
        ClientIdentity caller = Fixtures.account("a", null, null, "pf-9f2c", null);
        Contribution payment = new Contribution("campaign/payment", 0.7, 30, false);
        evidence.record(List.of(payment), caller, null, NOW);
        Map<String, JsonNode> first = byId(StixExport.bundle("Lab A", Tlp.GREEN,
                evidence.evidence("Lab A", Duration.ofDays(30), NOW.plusSeconds(1))));
        Map<String, JsonNode> same = byId(StixExport.bundle("Lab A", Tlp.GREEN,
                evidence.evidence("Lab A", Duration.ofDays(30), NOW.plusSeconds(30))));
        assertThat(same).as("nothing new seen: the same objects").isEqualTo(first);

        evidence.record(List.of(payment), caller, null, NOW.plusSeconds(3600));
        Map<String, JsonNode> later = byId(StixExport.bundle("Lab A", Tlp.GREEN,
                evidence.evidence("Lab A", Duration.ofDays(30), NOW.plusSeconds(3601))));
        assertThat(later.keySet()).isEqualTo(first.keySet());
        JsonNode before = first.values().stream().filter(o -> o.get("type").asString().equals("indicator")).findFirst().orElseThrow();
        JsonNode after = later.get(before.get("id").asString());
        assertThat(after.get("created")).isEqualTo(before.get("created"));
        assertThat(before.get("created").asString()).isEqualTo("2026-03-02T14:00:00.123Z");
        assertThat(after.get("modified").asString()).isEqualTo("2026-03-02T15:00:00.123Z");
        assertThat(Instant.parse(after.get("valid_until").asString())).isAfter(Instant.parse(before.get("valid_until").asString()));
        for (String type : List.of("identity", "campaign", "sighting", "relationship")) {
            JsonNode a = first.values().stream().filter(o -> o.get("type").asString().equals(type)).findFirst().orElseThrow();
            assertThat(later.get(a.get("id").asString()).get("created")).as(type + " created").isEqualTo(a.get("created"));
        }
    }

    private static Map<String, JsonNode> byId(String bundle) {
        Map<String, JsonNode> out = new TreeMap<>();
        StixBundles.JSON.readTree(bundle).get("objects").forEach(o -> out.put(o.get("id").asString(), o));
        return out;
    }

    @Test
    void exportThenImportRoundTripsKindValueConfidenceExpiryProvenanceAndCampaign() {
        String bundle = StixExport.bundle("Lab A Trust & Safety", Tlp.AMBER, seenOnce(indicators()));
        StixImport.Result r = read(bundle, NOW.plusSeconds(60));
        assertThat(r.invalid()).isEmpty();
        assertThat(r.notUsed()).isEmpty();
        assertThat(r.indicators()).extracting(Indicator::kind, Indicator::value, Indicator::confidence)
                .containsExactlyElementsOf(indicators().stream().map(i -> tuple(i.kind(), i.value(), i.confidence())).toList());
        assertThat(r.indicators()).allSatisfy(i -> {
            assertThat(i.source()).isEqualTo("Lab A Trust & Safety");
            assertThat(i.sourceId()).startsWith("identity--");
            assertThat(i.validUntil()).isEqualTo(StixTime.millis(NOW.plus(Duration.ofDays(7))));
            assertThat(i.name()).endsWith("[campaign: Model distillation activity seen by Lab A Trust & Safety]");
        });
    }

    @Test
    void aPeerBundleWithEveryStixTypeIsValidAndImportedWithoutLosingWhatTheGuardUnderstands() throws IOException {
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream("/stix/peer-every-type.json")) {
            bytes = in.readAllBytes();
        }
        JsonNode bundle = StixBundles.JSON.readTree(bytes);
        assertThat(StixSchemas.violations(bundle)).as("the fixture itself is valid STIX 2.1").isEmpty();
        TreeSet<String> types = new TreeSet<>();
        bundle.get("objects").forEach(o -> types.add(o.get("type").asString()));
        assertThat(types).containsAll(StixSchemas.standardTypes()).contains("x-lab-b-cluster");

        StixImport.Result r = StixImport.parse(bytes, new StixImport.Options("TAXII peer lab-b", 40, 90), NOW);
        assertThat(r.accepted()).isTrue();
        assertThat(r.invalid()).isEmpty();
        TreeMap<String, Integer> expected = new TreeMap<>();
        bundle.get("objects").forEach(o -> expected.merge(o.get("type").asString(), 1, Integer::sum));
        assertThat(new TreeMap<>(r.objects())).as("every valid object counted by type").isEqualTo(expected);
        assertThat(r.indicators()).extracting(Indicator::kind, Indicator::value, Indicator::confidence, Indicator::source)
                .containsExactlyInAnyOrder(
                        tuple(Indicator.Kind.PAYMENT_FINGERPRINT, "pf-peer-7", 85, "Lab B Threat Intelligence"),
                        tuple(Indicator.Kind.IP_PREFIX, "203.0.113.0/24", 70, "Lab B Threat Intelligence"));
        Indicator card = r.indicators().stream().filter(i -> i.kind() == Indicator.Kind.PAYMENT_FINGERPRINT).findFirst()
                .orElseThrow();
        assertThat(card.name()).isEqualTo("Card used by cluster 7 [campaign: Hydra distillation cluster 7]");
        assertThat(card.validFrom()).isEqualTo(Instant.parse("2026-02-27T10:00:00Z"));
        assertThat(r.notUsed()).hasSize(3).anySatisfy(s -> assertThat(s).contains("10.0.0.0/8 is broader than /24"))
                .anySatisfy(s -> assertThat(s).contains("pattern_type 'sigma'"))
                .anySatisfy(s -> assertThat(s).contains("pattern is not one comparison the guard matches"));
    }

    @Test
    void invalidObjectsAreNamedWithWhyAndSkippedWhileTheRestIsImported() {
        String peer = StixExport.bundle("Peer", Tlp.CLEAR, seenOnce(indicators().subList(0, 1)));
        ObjectNode bundle = (ObjectNode) StixBundles.JSON.readTree(peer);
        ArrayNode objects = (ArrayNode) bundle.get("objects");
        objects.add(StixBundles.JSON.readTree("""
                {"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222",
                 "created":"2026-03-01T00:00:00Z","modified":"2026-03-01T00:00:00Z","pattern_type":"stix",
                 "pattern":"[x-extraction-guard-payment:fingerprint = 'pf-1']","valid_from":"2026-03-01T00:00:00Z",
                 "confidence":150}"""));
        objects.add(StixBundles.JSON.readTree("""
                {"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333",
                 "created":"2026-03-01T00:00:00+01:00","modified":"2026-03-01T00:00:00Z","pattern_type":"stix",
                 "pattern":"[x-extraction-guard-payment:fingerprint = 'pf-2']","valid_from":"2026-03-01T00:00:00Z"}"""));
        objects.add(StixBundles.JSON.readTree("""
                {"type":"malware","spec_version":"2.1","id":"malware--not-a-uuid","created":"2026-03-01T00:00:00Z",
                 "modified":"2026-03-01T00:00:00Z","name":"m","is_family":false}"""));
        objects.add(StixBundles.JSON.readTree("42"));
        StixImport.Result r = read(StixBundles.JSON.writeValueAsString(bundle), NOW);
        assertThat(r.accepted()).isTrue();
        assertThat(r.indicators()).extracting(Indicator::value).containsExactly("pf-9f2c");
        int n = objects.size();
        assertThat(r.invalid()).containsExactly(
                "objects[" + (n - 4) + "] (indicator--22222222-2222-4222-8222-222222222222).confidence: an integer from 0 to 100",
                "objects[" + (n - 3) + "] (indicator--33333333-3333-4333-8333-333333333333).created: required, a STIX timestamp such as 2026-03-02T14:07:55.000Z",
                "objects[" + (n - 2) + "] (malware--not-a-uuid).id: must be 'malware--<RFC 4122 uuid>'",
                "objects[" + (n - 1) + "]: must be a JSON object");
        assertThat(r.invalidCount()).isEqualTo(4);
    }

    @Test
    void onlyInputThatIsNotABundleIsRefused() {
        assertThat(read("not json", NOW).refused()).startsWith("not valid JSON");
        assertThat(read("[]", NOW).refused()).isEqualTo("a STIX bundle must be a JSON object");
        assertThat(read("{\"type\":\"report\"}", NOW).refused()).isEqualTo("type: must be 'bundle'");
        assertThat(read("{\"type\":\"bundle\",\"id\":\"bundle--11111111-1111-4111-8111-111111111111\"}", NOW).accepted())
                .as("a bundle without objects is valid").isTrue();
    }

    @Test
    void expiredRevokedAndNotMatchableIndicatorsAreReportedNotUsed() {
        Indicator old = new Indicator(StixBundles.newId(), Indicator.Kind.PAYMENT_FINGERPRINT, "pf-old", 80,
                NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1)), "", "", "");
        Indicator badNet = new Indicator(StixBundles.newId(), Indicator.Kind.IP_PREFIX, "999.1.2.0/24", 50, NOW,
                NOW.plusSeconds(3600), "", "", "");
        Indicator badSketch = new Indicator(StixBundles.newId(), Indicator.Kind.PROMPT_TEMPLATE, "zz", 50, NOW,
                NOW.plusSeconds(3600), "", "", "");
        Indicator wide6 = new Indicator(StixBundles.newId(), Indicator.Kind.IP_PREFIX, "2001:db8::/32", 90, NOW,
                NOW.plusSeconds(3600), "", "", "");
        StixImport.Result r = read(StixExport.bundle("Peer", Tlp.GREEN, seenOnce(List.of(old, badNet, badSketch, wide6))),
                NOW);
        assertThat(r.indicators()).isEmpty();
        assertThat(r.invalid()).isEmpty();
        assertThat(r.notUsed()).hasSize(4);
        assertThat(r.notUsed().get(0)).contains("expired at");
        assertThat(r.notUsed().get(1)).endsWith("'999.1.2.0/24' is not an IP address or CIDR network");
        assertThat(r.notUsed().get(2)).contains("takes '=' and 'v2:' with 64 lower-case hex digits");
        assertThat(r.notUsed().get(3)).contains("2001:db8::/32 is broader than");
    }

    @Test
    void indexMatchesEachKindAndPrefersTheMostConfidentIndicator() {
        IndicatorIndex index = new IndicatorIndex(indicators(), 0.8);
        ClientIdentity payer = Fixtures.account("a", null, null, "pf-9f2c", null);
        assertThat(index.match(payer, null, NOW).orElseThrow().indicator().confidence()).isEqualTo(90);
        ClientIdentity fromNet = new ClientIdentity("b", ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null, null,
                null, "ua", "2001:db8:abcd:77::9", 0);
        assertThat(index.match(fromNet, null, NOW)).isPresent();
        assertThat(index.match(Fixtures.account("c"), templateSketch, NOW).orElseThrow().indicator().name())
                .isEqualTo("hydra template A");
        ClientIdentity unrelated = new ClientIdentity("d", ClientIdentity.Source.TRUSTED_HEADER, null, null, null, null,
                "pf-other", "t13d_other", "ua", "198.51.100.4", 0);
        assertThat(index.match(unrelated, null, NOW)).isEmpty();
        assertThat(index.match(payer, null, NOW.plus(Duration.ofDays(8)))).as("expired").isEmpty();
    }

    @Test
    void aBundleOfVersionOneSketchesIsReportedNotUsedAndNeverComparedWithThisVersionsSketches() {
        ClientIdentity caller = Fixtures.account("a", null, null, null, null);
        // as the build before sketch versions exported it: the bare hex of a SuperMinHash sketch
        String bareHex = java.util.HexFormat.of().formatHex(templateSketch);
        Indicator versionOne = new Indicator(StixBundles.newId(), Indicator.Kind.PROMPT_TEMPLATE, bareHex, 80, NOW,
                NOW.plus(Duration.ofDays(7)), "", "", "an old peer's template");
        String bundle = StixExport.bundle("Old peer", Tlp.GREEN, seenOnce(List.of(versionOne)));
        assertThat(bundle).contains("template_sketch = '" + bareHex + "'");

        StixImport.Result r = read(bundle, NOW);
        assertThat(r.indicators()).isEmpty();
        assertThat(r.invalid()).isEmpty();
        assertThat(r.notUsed()).singleElement().asString()
                .contains("a version-1 template sketch (bare hex), not comparable with this build's version 2");

        // one already held (a registry written before the upgrade) is kept but never compared, even with equal bytes
        IndicatorIndex held = new IndicatorIndex(List.of(versionOne), 0.5);
        assertThat(held.indicators()).containsExactly(versionOne);
        assertThat(held.match(caller, templateSketch, NOW)).isEmpty();
        // the same sketch exported by this build travels with its version and matches
        StixImport.Result now = read(StixExport.bundle("Peer", Tlp.GREEN, seenOnce(indicators().subList(4, 5))), NOW);
        assertThat(now.indicators()).singleElement().extracting(Indicator::value).asString().startsWith("v2:");
        assertThat(new IndicatorIndex(now.indicators(), 0.5).match(caller, templateSketch, NOW)).isPresent();
    }
}
