package io.extractionguard.gateway.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.intel.CampaignEvidence;
import io.extractionguard.engine.intel.Indicator;
import io.extractionguard.engine.intel.SharedEvidence;

/** How the fleet's evidence hash is read back: sketches of another version are never merged with this build's. */
class RedisCampaignEvidenceRebuildTest {

    private static final Instant NOW = Instant.parse("2026-12-07T18:00:00Z");

    @Test
    void templatesOfAnotherSketchVersionAreLeftToAgeOutAndNeverMerged() {
        byte[] sketch = new PromptSketch.Sketcher().sketch(new long[] {11, 12, 13, 14}, 4);
        String seen = NOW.minusSeconds(600).toEpochMilli() + "," + NOW.minusSeconds(60).toEpochMilli() + ",0.9,3";
        TreeMap<String, String> hash = new TreeMap<>();
        hash.put("PROMPT_TEMPLATE:" + PromptSketch.text(sketch), seen);
        hash.put("PROMPT_TEMPLATE:" + HexFormat.of().formatHex(sketch), seen); // a version-1 replica's field: bare hex
        hash.put("PROMPT_TEMPLATE:v3:" + HexFormat.of().formatHex(sketch), seen); // a newer build's
        hash.put("PROMPT_TEMPLATE:not-a-sketch", seen);
        hash.put("PAYMENT_FINGERPRINT:pf-1", seen);
        List<String> dropped = new ArrayList<>();

        CampaignEvidence evidence = RedisCampaignEvidence.rebuild(hash, NOW, dropped::addAll);

        List<Indicator> out = evidence.indicators("Lab", Duration.ofDays(30), NOW);
        assertThat(out).extracting(Indicator::value).containsExactlyInAnyOrder("pf-1", PromptSketch.text(sketch));
        assertThat(evidence.evidence("Lab", Duration.ofDays(30), NOW))
                .filteredOn(e -> e.indicator().kind() == Indicator.Kind.PROMPT_TEMPLATE).singleElement()
                .extracting(SharedEvidence::sightings).as("not merged with the other versions' entries").isEqualTo(3L);
        assertThat(dropped).as("only what is no sketch at all is removed; other versions' entries age out")
                .containsExactly("PROMPT_TEMPLATE:not-a-sketch");
    }
}
