package io.extractionguard.engine.policy;

import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.intel.Tlp;

/**
 * How imported peer indicators (STIX, see {@code docs/intel.md}) weigh on the score: a
 * request matching an indicator gets {@code weight × confidence / 100} points, reason
 * {@code peer-indicator/<kind>}, for indicators with at least {@code minConfidence}.
 *
 * @param weight        points at confidence 100 (0 disables)
 * @param minConfidence indicators less confident than this are ignored
 * @param mode          SHADOW counts the contribution only in the shadow score
 * @param exportTlp     TLP marking of exported intelligence unless an export names another
 */
public record PeerIndicatorSettings(double weight, int minConfidence, Mode mode, Tlp exportTlp) {

    public static final PeerIndicatorSettings DISABLED = new PeerIndicatorSettings(0, 101, Mode.ENFORCE, Tlp.AMBER);
}
