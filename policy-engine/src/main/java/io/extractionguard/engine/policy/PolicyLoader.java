package io.extractionguard.engine.policy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads policy YAML in two phases: the node tree is read into values with every error collected
 * (file, line, path, fix), then cross-checked; only a policy without errors is compiled into a
 * {@link Policy}. Unknown keys are errors, so a misspelt option never silently falls back to a default.
 *
 * <p>Stateless and thread-safe. The option reference lives in {@code docs/policy.md}.
 */
public final class PolicyLoader {

    /** Policy files larger than this are refused before parsing. */
    public static final int MAX_POLICY_BYTES = 1 << 20;

    /** Loads and compiles a policy file. */
    public Policy load(Path file) throws PolicyException {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_POLICY_BYTES) {
                throw single(name, "file is larger than " + MAX_POLICY_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw single(name, "cannot read file: " + e.getMessage());
        }
        return load(name, bytes);
    }

    /** Loads and compiles policy text; {@code name} is used in error messages. */
    public Policy load(String name, byte[] bytes) throws PolicyException {
        if (bytes.length > MAX_POLICY_BYTES) {
            throw single(name, "file is larger than " + MAX_POLICY_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw single(name, "file is not valid UTF-8");
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            options.setNestingDepthLimit(20);
            options.setCodePointLimit(MAX_POLICY_BYTES);
            options.setAllowRecursiveKeys(false);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new PolicyException(List.of(new PolicyError(name, line, "",
                    "YAML syntax error: " + e.getProblem())));
        } catch (YAMLException e) {
            throw single(name, "YAML error: " + e.getMessage());
        } catch (IllegalArgumentException e) { // SnakeYAML's composer rejects some tags this way, e.g. "!::%a"
            throw single(name, "YAML error: " + e.getMessage());
        }
        if (root == null) {
            throw single(name, "file is empty");
        }
        YamlReader r = new YamlReader(name);
        Policy policy = PolicyReader.read(r, root, name, sha256(bytes));
        if (!r.errors().isEmpty()) {
            List<PolicyError> sorted = new ArrayList<>(r.errors());
            sorted.sort(Comparator.comparingInt(PolicyError::line));
            throw new PolicyException(sorted);
        }
        return policy;
    }

    private static PolicyException single(String name, String message) {
        return new PolicyException(List.of(new PolicyError(name, 0, "", message)));
    }

    private static String sha256(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
