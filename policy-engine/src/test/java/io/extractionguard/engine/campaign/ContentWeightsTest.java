package io.extractionguard.engine.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import io.extractionguard.engine.features.CapabilityArea;
import io.extractionguard.engine.features.RequestFeatures;

class ContentWeightsTest {

    private static final ContentWeights WEIGHTS = new ContentWeights(0.5, 0.3, 0.2, 4000, 0.2);

    private static RequestFeatures request(boolean cot, long maxTokens, boolean standalone) {
        return new RequestFeatures(null, 0, CapabilityArea.CODING.bit(), cot, maxTokens, 0, 40, standalone);
    }

    @Test
    void aStandaloneLongAskIsHarvestShapedWithoutAnyRecognisedWording() {
        // capability + long output + one-shot: hot enough for a template without a reasoning ask
        assertThat(WEIGHTS.score(request(false, 16000, true))).isCloseTo(0.7, Offset.offset(1e-9));
        // the same ask continuing a conversation, or with a short budget, gets no one-shot weight
        assertThat(WEIGHTS.score(request(false, 16000, false))).isCloseTo(0.5, Offset.offset(1e-9));
        assertThat(WEIGHTS.score(request(false, 1024, true))).isCloseTo(0.3, Offset.offset(1e-9));
        // and the score stays a share
        assertThat(WEIGHTS.score(request(true, 16000, true))).isEqualTo(1.0);
    }

    @Test
    void policiesWithoutTheOneShotWeightKeepTheirHeatScale() {
        assertThat(ContentWeights.DEFAULT.oneShot()).isZero();
        assertThat(ContentWeights.DEFAULT.score(request(false, 16000, true))).isCloseTo(0.5, Offset.offset(1e-9));
    }
}
