package io.extractionguard.engine.spi;

import io.extractionguard.engine.intel.CampaignEvidence;

/**
 * The fleet's evidence: told of every entry this engine records (to share it), and the evidence
 * of every replica, read back from shared state, for exports. {@link #snapshot} answers from memory.
 */
public interface EvidenceFleet extends CampaignEvidence.Listener {
    CampaignEvidence snapshot();
}
