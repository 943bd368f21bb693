package io.extractionguard.engine.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import io.extractionguard.engine.action.Mode;

/**
 * Policy files in {@code testdata/good} load; files in {@code testdata/bad} are rejected with
 * exactly the errors their {@code # expect:} header lines list (file, line, path, message).
 */
class PolicyFixturesTest {

    private final PolicyLoader loader = new PolicyLoader();

    @TestFactory
    Stream<DynamicTest> goodPoliciesLoad() throws Exception {
        return fixtures("good").map(file -> DynamicTest.dynamicTest(file.getFileName().toString(),
                () -> assertThatCode(() -> loader.load(file)).doesNotThrowAnyException()));
    }

    @TestFactory
    Stream<DynamicTest> badPoliciesReportEveryExpectedError() throws Exception {
        return fixtures("bad").map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            List<String> expected = Files.readAllLines(file).stream()
                    .filter(l -> l.startsWith("# expect: "))
                    .map(l -> l.substring("# expect: ".length()))
                    .toList();
            assertThat(expected).as("fixture lists its expected errors").isNotEmpty();
            PolicyException e = catchThrowableOfType(PolicyException.class, () -> loader.load(file));
            assertThat(e).as("policy is rejected").isNotNull();
            assertThat(e.errors()).map(PolicyError::toString).containsExactlyInAnyOrderElementsOf(expected);
        }));
    }

    @Test
    void shippedDefaultPolicyLoads() throws Exception {
        Path shipped = Path.of("..", "config", "policies", "default.yaml");
        Policy policy = loader.load(shipped);
        assertThat(policy.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(policy.bands()).extracting(Band::name).containsExactly("watch", "challenge", "block");
        assertThat(policy.hash()).hasSize(12);
    }

    @Test
    void policyHashChangesWithContentAndVersionIsKept() throws Exception {
        byte[] a = Files.readAllBytes(fixtures("good").filter(p -> p.endsWith("minimal.yaml")).findFirst().orElseThrow());
        byte[] b = (new String(a) + "\n# a comment\n").getBytes();
        Policy pa = loader.load("a.yaml", a);
        Policy pb = loader.load("b.yaml", b);
        assertThat(pa.version()).isEqualTo("minimal-1").isEqualTo(pb.version());
        assertThat(pa.hash()).isNotEqualTo(pb.hash());
        assertThat(pa.label()).isEqualTo("minimal-1 (" + pa.hash() + ")");
    }

    @Test
    void emptyAndNonUtf8FilesAreRejectedWithAPreciseMessage() {
        PolicyException empty = catchThrowableOfType(PolicyException.class, () -> loader.load("e.yaml", new byte[0]));
        assertThat(empty.errors()).map(PolicyError::toString).containsExactly("e.yaml: file is empty");
        PolicyException binary = catchThrowableOfType(PolicyException.class,
                () -> loader.load("b.yaml", new byte[]{'a', ':', ' ', (byte) 0xC3, (byte) 0x28}));
        assertThat(binary.errors()).map(PolicyError::toString).containsExactly("b.yaml: file is not valid UTF-8");
    }

    @Test
    void aTagTheYamlComposerRejectsIsAPolicyErrorNotAnEscapedException() {
        // found by the long fuzz run (PolicyLoaderProperties, 100000 tries): SnakeYAML threw IllegalArgumentException
        PolicyException tag = catchThrowableOfType(PolicyException.class,
                () -> loader.load("t.yaml", "!::%a".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(tag.errors()).map(PolicyError::toString).singleElement().asString()
                .startsWith("t.yaml: YAML error: ").contains("Tag");
    }

    static Stream<Path> fixtures(String kind) throws IOException, URISyntaxException {
        Path dir = Path.of(PolicyFixturesTest.class.getResource("/testdata/" + kind).toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }
}
