package io.extractionguard.engine.policy;

/** The challenge step a CHALLENGE band asks of the client. */
public enum ChallengeKind {
    /** A signed proof-of-work puzzle the client solves and returns in a header. */
    PROOF_OF_WORK("proof-of-work"),
    /** The account is held until an operator or identity system releases it. */
    VERIFICATION_HOLD("verification-hold");

    private final String id;

    ChallengeKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
