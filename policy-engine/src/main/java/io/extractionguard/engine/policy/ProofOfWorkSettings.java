package io.extractionguard.engine.policy;

import java.time.Duration;

/**
 * How a proof-of-work CHALLENGE band challenges (protocol: {@code docs/challenge.md}).
 *
 * @param minBits      difficulty (leading zero bits) at the band's lower edge
 * @param maxBits      difficulty at a score of 100; each bit doubles the expected client work
 * @param passRequests requests a solved challenge lets through
 * @param passTtl      how long those requests stay available
 * @param challengeTtl how long a challenge can be solved
 */
public record ProofOfWorkSettings(int minBits, int maxBits, int passRequests, Duration passTtl, Duration challengeTtl) {

    public static final ProofOfWorkSettings DEFAULT =
            new ProofOfWorkSettings(16, 22, 20, Duration.ofMinutes(10), Duration.ofMinutes(5));
}
