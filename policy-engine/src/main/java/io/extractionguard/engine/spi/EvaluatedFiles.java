package io.extractionguard.engine.spi;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Batch input files (OpenAI {@code purpose=batch}) the guard read and admitted at upload, by the
 * upstream's file id: a batch may be created only from a file evaluated for the same account.
 * Implementations must not block the caller: in memory, or a shared store answering asynchronously.
 */
public interface EvaluatedFiles {

    /** What the guard knows of an evaluated file. */
    record EvaluatedFile(String accountId, String endpoint, int items, long evaluatedAtMillis) {

        /** A compact form for shared stores: {@code accountId|endpoint|items|millis} (account ids hold no '|'). */
        public String encode() {
            return accountId + "|" + endpoint + "|" + items + "|" + evaluatedAtMillis;
        }

        /** The file encoded by {@link #encode()}, or empty when {@code value} is not one. */
        public static Optional<EvaluatedFile> decode(String value) {
            if (value == null) {
                return Optional.empty();
            }
            int c = value.lastIndexOf('|');
            int b = c > 0 ? value.lastIndexOf('|', c - 1) : -1;
            int a = b > 0 ? value.lastIndexOf('|', b - 1) : -1;
            if (a <= 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(new EvaluatedFile(value.substring(0, a), value.substring(a + 1, b),
                        Integer.parseInt(value.substring(b + 1, c)), Long.parseLong(value.substring(c + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** Records an evaluated file (best effort: a file not recorded cannot start a batch, which fails closed). */
    void record(String fileId, EvaluatedFile file);

    /** The evaluated file with this id, if any. */
    CompletionStage<Optional<EvaluatedFile>> find(String fileId);
}
