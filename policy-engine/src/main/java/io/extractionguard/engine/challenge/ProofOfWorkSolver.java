package io.extractionguard.engine.challenge;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The client side of the proof-of-work challenge: given the token from the
 * {@code x-guard-challenge} response header, finds the solution to send back in
 * {@code x-guard-challenge-solution}. Expected work is 2^difficulty SHA-256 evaluations
 * (about 0.1 s at 18 bits on one core). Self-contained: copy it into a client if needed.
 *
 * <pre>{@code
 * String solution = ProofOfWorkSolver.solve(token, Duration.ofSeconds(30), Clock.systemUTC()).orElseThrow();
 * request.header("x-guard-challenge-solution", solution);
 * }</pre>
 */
public final class ProofOfWorkSolver {

    private ProofOfWorkSolver() {
    }

    /** The difficulty (leading zero bits) a token demands, read from its payload. */
    public static int difficulty(String token) {
        String[] parts = token.split("\\.", -1);
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
                java.nio.charset.StandardCharsets.UTF_8);
        return Integer.parseInt(payload.split("\\|", -1)[2]);
    }

    /**
     * {@code token + ":" + counter} with enough leading zero bits, or empty if none was found within {@code budget}
     * as {@code clock} tells it.
     */
    public static Optional<String> solve(String token, Duration budget, Clock clock) {
        int difficulty = difficulty(token);
        Instant deadline = clock.instant().plus(budget);
        for (long counter = 0; ; counter++) {
            String candidate = token + ":" + Long.toString(counter, 36);
            if (ProofOfWork.leadingZeroBits(ProofOfWork.sha256(candidate)) >= difficulty) {
                return Optional.of(candidate);
            }
            if ((counter & 0xFFF) == 0 && clock.instant().isAfter(deadline)) {
                return Optional.empty();
            }
        }
    }
}
