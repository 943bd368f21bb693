package io.extractionguard.engine.intel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.FeatureExtractor;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.support.Fixtures;

class StixBundlesTest {

    static final Instant NOW = Instant.parse("2026-03-02T14:00:00Z");

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
                new Indicator(StixBundles.newId(), Indicator.Kind.PROMPT_TEMPLATE, StixBundles.sketchHex(templateSketch), 80,
                        NOW, until, "", "", "hydra template A"));
    }

    @Test
    void exportThenImportRoundTripsKindValueConfidenceExpiryAndProvenance() {
        String bundle = StixBundles.export("Lab A Trust & Safety", indicators(), NOW);
        StixBundles.ImportResult r = StixBundles.parse(bundle.getBytes(StandardCharsets.UTF_8), NOW.plusSeconds(60));
        assertThat(r.errors()).isEmpty();
        assertThat(r.indicators()).hasSize(5);
        assertThat(r.indicators()).extracting(Indicator::kind, Indicator::value, Indicator::confidence)
                .containsExactlyElementsOf(indicators().stream()
                        .map(i -> org.assertj.core.groups.Tuple.tuple(i.kind(), i.value(), i.confidence())).toList());
        assertThat(r.indicators()).allSatisfy(i -> {
            assertThat(i.source()).isEqualTo("Lab A Trust & Safety");
            assertThat(i.sourceId()).startsWith("identity--");
            assertThat(i.validUntil()).isEqualTo(NOW.plus(Duration.ofDays(7)));
        });
        assertThat(bundle).doesNotContain("show your full reasoning").contains("\"spec_version\" : \"2.1\"");
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
    void malformedBundlesAreRejectedWholeWithEveryProblemNamed() {
        assertThat(StixBundles.parse("not json".getBytes(), NOW).errors()).singleElement().asString().startsWith("not valid JSON");
        assertThat(StixBundles.parse("[]".getBytes(), NOW).errors()).containsExactly("a STIX bundle must be a JSON object");
        String bad = """
                {"type":"bundle","id":"bundle--11111111-1111-4111-8111-111111111111","objects":[
                  {"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222",
                   "created":"2026-03-01T00:00:00Z","modified":"2026-03-01T00:00:00Z","pattern_type":"stix",
                   "pattern":"[x-extraction-guard-payment:fingerprint = 'pf-1']","valid_from":"2026-03-01T00:00:00Z",
                   "confidence":150},
                  {"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333",
                   "created":"2026-03-01T00:00:00Z","modified":"2026-03-01T00:00:00Z","pattern_type":"stix",
                   "created_by_ref":"identity--44444444-4444-4444-8444-444444444444",
                   "pattern":"[file:hashes.'SHA-256' = 'abc']","valid_from":"yesterday","confidence":50},
                  {"type":"identity","spec_version":"2.1","id":"identity--44444444-4444-4444-8444-444444444444","name":"Peer"},
                  {"type":"malware","spec_version":"2.1","id":"malware--55555555-5555-4555-8555-555555555555"}
                ]}""";
        StixBundles.ImportResult r = StixBundles.parse(bad.getBytes(StandardCharsets.UTF_8), NOW);
        assertThat(r.accepted()).isFalse();
        assertThat(r.indicators()).isEmpty();
        assertThat(r.errors()).containsExactly(
                "objects[0] (indicator--22222222-2222-4222-8222-222222222222).created_by_ref: must reference an identity in this bundle (provenance is required)",
                "objects[0] (indicator--22222222-2222-4222-8222-222222222222).confidence: required, an integer from 0 to 100",
                "objects[1] (indicator--33333333-3333-4333-8333-333333333333).valid_from: must be an RFC 3339 UTC timestamp such as 2026-03-02T14:07:55Z",
                "objects[1] (indicator--33333333-3333-4333-8333-333333333333).pattern: must be one comparison such as [x-extraction-guard-payment:fingerprint = 'pf-…'] or [ipv4-addr:value ISSUBSET '203.0.113.0/24']",
                "objects[3].type: 'malware' is not accepted in indicator exchange (identity, indicator, campaign, relationship, marking-definition, report, intrusion-set, note)");
    }

    @Test
    void expiredIndicatorsAreSkippedAndReported() {
        Indicator old = new Indicator(StixBundles.newId(), Indicator.Kind.PAYMENT_FINGERPRINT, "pf-old", 80,
                NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1)), "", "", "");
        StixBundles.ImportResult r = StixBundles.parse(
                StixBundles.export("Peer", List.of(old), NOW).getBytes(StandardCharsets.UTF_8), NOW);
        assertThat(r.accepted()).isTrue();
        assertThat(r.indicators()).isEmpty();
        assertThat(r.skipped()).singleElement().asString().contains("expired at");
    }

    @Test
    void patternValuesAreValidatedPerKind() {
        Indicator badNet = new Indicator(StixBundles.newId(), Indicator.Kind.IP_PREFIX, "999.1.2.0/24", 50, NOW,
                NOW.plusSeconds(3600), "", "", "");
        Indicator badSketch = new Indicator(StixBundles.newId(), Indicator.Kind.PROMPT_TEMPLATE, "zz", 50, NOW,
                NOW.plusSeconds(3600), "", "", "");
        StixBundles.ImportResult r = StixBundles.parse(
                StixBundles.export("Peer", List.of(badNet, badSketch), NOW).getBytes(StandardCharsets.UTF_8), NOW);
        assertThat(r.errors()).hasSize(2);
        assertThat(r.errors().get(0)).endsWith("'999.1.2.0/24' is not an IP address or CIDR network");
        assertThat(r.errors().get(1)).contains("takes '=' and 64 lower-case hex digits");
    }
}
