package io.extractionguard.engine.replay;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.extractionguard.engine.audit.AuditCheckpoint;
import io.extractionguard.engine.audit.AuditKey;
import io.extractionguard.engine.audit.AuditVerifier;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.operator.OperatorTokens;
import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyException;
import io.extractionguard.engine.policy.PolicyLoader;

/**
 * {@code policy-engine-cli.jar}: {@code replay} a trace through a policy (contract §2) and
 * {@code validate} policy files with the same messages the gateway logs on reload.
 */
public final class Cli {

    static final String DEFAULT_POLICY = "config/policies/default.yaml";
    static final String BUNDLED_POLICY = "/policies/default.yaml";
    static final String USAGE = """
            usage:
              policy-engine-cli replay --trace TRACE.jsonl --out DECISIONS.jsonl [--policy POLICY.yaml] [--summary SUMMARY.json]
              policy-engine-cli validate POLICY.yaml [POLICY.yaml ...]
              policy-engine-cli audit-verify [--key-file KEY] [--checkpoints FILE] [--from SEQ:HASH] AUDIT.jsonl [AUDIT.jsonl ...]
              policy-engine-cli operator-token NAME ROLE[,ROLE...]   (roles: read, override, policy, intel)
              policy-engine-cli case-verify [--public-key BASE64|FILE] CASE.json
            environment:
              GUARD_CREDENTIAL_KEY  key for hashing credentials into account ids (replay; default: a fixed replay key)
              GUARD_AUDIT_KEY       the audit trail's key (audit-verify, unless --key-file is given)""";

    private final PrintStream out;
    private final PrintStream err;

    Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new Cli(System.out, System.err).run(args));
    }

    int run(String[] args) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        try {
            return switch (args[0]) {
                case "replay" -> replay(options(args));
                case "validate" -> validate(List.of(args).subList(1, args.length));
                case "audit-verify" -> auditVerify(List.of(args).subList(1, args.length));
                case "operator-token" -> operatorToken(List.of(args).subList(1, args.length));
                case "case-verify" -> caseVerify(List.of(args).subList(1, args.length));
                case "-h", "--help", "help" -> {
                    out.println(USAGE);
                    yield 0;
                }
                default -> {
                    err.println("unknown command '" + args[0] + "'\n" + USAGE);
                    yield 2;
                }
            };
        } catch (UsageException e) {
            err.println(e.getMessage());
            return 2;
        }
    }

    private int replay(Map<String, String> options) {
        String trace = required(options, "--trace");
        String decisions = required(options, "--out");
        for (String key : options.keySet()) {
            if (!List.of("--trace", "--out", "--policy", "--summary").contains(key)) {
                throw new UsageException("unknown option '" + key + "'\n" + USAGE);
            }
        }
        Policy policy;
        try {
            policy = loadPolicy(options.get("--policy"));
        } catch (PolicyException e) {
            err.println("invalid policy: " + e.errors().stream().map(Object::toString).collect(Collectors.joining("; ")));
            return 1;
        } catch (IOException e) {
            err.println("cannot read policy: " + e.getMessage());
            return 1;
        }
        Path tracePath = Path.of(trace);
        if (!Files.isRegularFile(tracePath)) {
            err.println("cannot read trace: no such file: " + trace);
            return 1;
        }
        String key = System.getenv("GUARD_CREDENTIAL_KEY");
        byte[] credentialKey = key == null || key.isEmpty()
                ? Replay.DEFAULT_CREDENTIAL_KEY : key.getBytes(StandardCharsets.UTF_8);
        if (credentialKey.length < 16) {
            err.println("GUARD_CREDENTIAL_KEY must be at least 16 bytes");
            return 1;
        }
        try (InputStream in = Files.newInputStream(tracePath);
             DecisionWriter writer = new DecisionWriter(
                     new BufferedOutputStream(Files.newOutputStream(Path.of(decisions)), 1 << 16))) {
            ReplaySummary summary = new Replay(policy, credentialKey, java.time.Clock.systemUTC()).run(in,
                    (line, reason) -> err.println("line " + line + ": skipped: " + reason),
                    new Replay.Listener() {
                        @Override
                        public void decided(TraceRecord record, Decision decision) {
                            writer.write(record.lineNumber(), decision);
                        }

                        @Override
                        public void rejected(TraceRecord record, Replay.Rejection rejection) {
                            writer.writeRejected(record.lineNumber(), rejection);
                            err.println("line " + record.lineNumber() + ": rejected as the gateway would ("
                                    + rejection.cause() + "): " + rejection.message());
                        }
                    });
            if (options.containsKey("--summary")) {
                try (OutputStream s = Files.newOutputStream(Path.of(options.get("--summary")))) {
                    summary.writeJson(s);
                }
            }
            return 0;
        } catch (NoSuchFileException e) {
            err.println("cannot write: no such directory for " + e.getFile());
            return 1;
        } catch (IOException e) {
            err.println("replay failed: " + e.getMessage());
            return 1;
        }
    }

    private int validate(List<String> files) {
        if (files.isEmpty()) {
            throw new UsageException("validate needs at least one policy file\n" + USAGE);
        }
        PolicyLoader loader = new PolicyLoader();
        int failures = 0;
        for (String file : files) {
            try {
                Policy p = loader.load(Path.of(file));
                out.println(file + ": OK, version " + p.label() + ", " + p.bands().size() + " bands, "
                        + p.scorer().signals().size() + " signals, mode " + p.mode().name().toLowerCase());
            } catch (PolicyException e) {
                failures++;
                e.errors().forEach(error -> err.println(error));
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /**
     * Verifies audit files with the trail's key: against the checkpoints in {@code --checkpoints} (the
     * lines of {@code GET /admin/audit/checkpoints} or of the log; others are skipped) to catch a cut
     * tail or an old copy, and from genesis or from {@code --from SEQ:HASH} (a rotated file).
     */
    private int auditVerify(List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (List.of("--key-file", "--checkpoints", "--from").contains(a) && i + 1 < args.size()) {
                options.put(a, args.get(++i));
            } else if (a.startsWith("--")) {
                throw new UsageException("unknown option or missing value '" + a + "'\n" + USAGE);
            } else {
                files.add(a);
            }
        }
        if (files.isEmpty()) {
            throw new UsageException("audit-verify needs at least one audit file\n" + USAGE);
        }
        AuditKey key;
        List<AuditCheckpoint> checkpoints;
        try {
            String keyFile = options.get("--key-file");
            String keyText = System.getenv("GUARD_AUDIT_KEY");
            if (keyFile == null && (keyText == null || keyText.isBlank())) {
                throw new UsageException("audit-verify needs the audit key: --key-file KEY or GUARD_AUDIT_KEY\n" + USAGE);
            }
            key = keyFile != null ? AuditKey.readFile(Path.of(keyFile)) : AuditKey.of(keyText, "GUARD_AUDIT_KEY");
            String given = options.get("--checkpoints");
            checkpoints = given == null ? List.of() : AuditVerifier.checkpoints(Path.of(given));
        } catch (IOException | IllegalArgumentException e) {
            err.println("audit-verify: " + e.getMessage());
            return 2;
        }
        int failures = 0;
        for (String file : files) {
            try {
                AuditCheckpoint from = options.containsKey("--from") ? AuditCheckpoint.given("", options.get("--from")) : null;
                AuditVerifier.Result result = new AuditVerifier(key).verify(Path.of(file), checkpoints, from);
                (result.intact() ? out : err).println(file + ": " + result);
                failures += result.intact() ? 0 : 1;
            } catch (IOException e) {
                err.println(file + ": cannot read: " + e.getMessage());
                failures++;
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage() + "\n" + USAGE);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /** Verifies a signed case file offline; exit 0 when valid, 1 when not. */
    private int caseVerify(List<String> args) {
        String key = null;
        String file = null;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--public-key") && i + 1 < args.size()) {
                key = args.get(++i);
            } else if (file == null && !args.get(i).startsWith("--")) {
                file = args.get(i);
            } else {
                throw new UsageException("case-verify: unexpected '" + args.get(i) + "'\n" + USAGE);
            }
        }
        if (file == null) {
            throw new UsageException("case-verify needs a case file\n" + USAGE);
        }
        try {
            java.util.Optional<java.security.PublicKey> pinned = java.util.Optional.empty();
            if (key != null) {
                String text = Files.exists(Path.of(key)) ? Files.readString(Path.of(key)) : key;
                pinned = java.util.Optional.of(io.extractionguard.engine.enforce.CaseFile.publicKey(text));
            }
            io.extractionguard.engine.enforce.CaseFile.Verification v =
                    io.extractionguard.engine.enforce.CaseFile.verify(Files.readAllBytes(Path.of(file)), pinned);
            (v.valid() ? out : err).println(file + ": " + v.message());
            return v.valid() ? 0 : 1;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return 1;
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new UsageException("case-verify: --public-key is not a base64 Ed25519 public key (" + e.getMessage() + ")");
        }
    }

    /**
     * Prints a new operator token (give it to the operator, once) and the configuration entry that
     * holds only its hash. Name and roles are checked by the gateway at start-up; here only their presence.
     */
    private int operatorToken(List<String> args) {
        if (args.size() != 2) {
            throw new UsageException("operator-token needs a name and a comma-separated list of roles\n" + USAGE);
        }
        String token = OperatorTokens.generate();
        out.println("token (give it to " + args.get(0) + "; it is not stored anywhere): " + token);
        out.println("entry for guard.admin.operators (docs/operations.md, \"Operators\"):");
        out.println("  - name: " + args.get(0));
        out.println("    token-sha256: " + OperatorTokens.sha256Hex(token));
        out.println("    roles: [" + String.join(", ", args.get(1).split("\\s*,\\s*")) + "]");
        return 0;
    }

    /** The policy at {@code path}; without one, the repository's default, else the copy bundled in the jar. */
    static Policy loadPolicy(String path) throws PolicyException, IOException {
        PolicyLoader loader = new PolicyLoader();
        if (path != null) {
            return loader.load(Path.of(path));
        }
        Path local = Path.of(DEFAULT_POLICY);
        if (Files.isRegularFile(local)) {
            return loader.load(local);
        }
        try (InputStream bundled = Cli.class.getResourceAsStream(BUNDLED_POLICY)) {
            if (bundled == null) {
                throw new NoSuchFileException(DEFAULT_POLICY);
            }
            return loader.load("default.yaml", bundled.readAllBytes());
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        for (int i = 0; i < rest.size(); i++) {
            String key = rest.get(i);
            if (!key.startsWith("--")) {
                throw new UsageException("unexpected argument '" + key + "'\n" + USAGE);
            }
            if (i + 1 >= rest.size()) {
                throw new UsageException("option " + key + " needs a value\n" + USAGE);
            }
            options.put(key, rest.get(++i));
        }
        return options;
    }

    private static String required(Map<String, String> options, String key) {
        String v = options.get(key);
        if (v == null) {
            throw new UsageException("missing required option " + key + "\n" + USAGE);
        }
        return v;
    }

    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
