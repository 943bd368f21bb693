package io.extractionguard.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyError;
import io.extractionguard.engine.policy.PolicyException;
import io.extractionguard.engine.policy.PolicyLoader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The policy loader over mutations of the shipped policy and arbitrary text: it either returns a
 * policy or a {@link PolicyException} whose every error names the file (and a line where it can),
 * never anything else.
 */
class PolicyLoaderProperties {

    static final String SHIPPED;

    static {
        try {
            SHIPPED = Files.readString(Path.of("..", "config", "policies", "default.yaml"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final PolicyLoader loader = new PolicyLoader();

    private void loadsOrReportsErrors(String text) {
        try {
            Policy p = loader.load("fuzz.yaml", text.getBytes(StandardCharsets.UTF_8));
            assertThat(p.version()).isNotBlank();
        } catch (PolicyException e) {
            assertThat(e.errors()).isNotEmpty();
            for (PolicyError error : e.errors()) {
                assertThat(error.file()).isEqualTo("fuzz.yaml");
                assertThat(error.message()).isNotBlank();
                assertThat(error.line()).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Property
    void mutatedShippedPolicyLoadsOrNamesEveryError(@ForAll("lineMutations") String text) {
        loadsOrReportsErrors(text);
    }

    @Property
    void arbitraryTextLoadsOrNamesEveryError(@ForAll("yamlish") String text) {
        loadsOrReportsErrors(text);
    }

    @Provide
    Arbitrary<String> lineMutations() {
        List<String> lines = SHIPPED.lines().toList();
        Arbitrary<Integer> index = Arbitraries.integers().between(0, lines.size() - 1);
        Arbitrary<String> replacement = Arbitraries.oneOf(
                Arbitraries.of("", "  ", "weight: 250", "mode: sometimes", "- x", "{", "]", "action: DENY",
                        "min-score: -1", "limit-factor: 0", "  unknown-key: 1", "tiers: []", "version:", "&a [*a]",
                        "requests-per-minute: 1e99", "verdict-ttl: 5 minutes", "\t", "!!python/object:os.system x"),
                Arbitraries.strings().ofMaxLength(40));
        return index.list().ofMinSize(1).ofMaxSize(4).flatMap(ix -> replacement.list().ofSize(ix.size()).map(rs -> {
            String[] copy = lines.toArray(String[]::new);
            for (int i = 0; i < ix.size(); i++) {
                copy[ix.get(i)] = rs.get(i);
            }
            return String.join("\n", copy);
        }));
    }

    @Provide
    Arbitrary<String> yamlish() {
        return Arbitraries.strings().withChars(":- \n{}[]#'\"&*!|>%@`abcxyz0123456789.").ofMaxLength(400);
    }
}
