package io.extractionguard.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay command line exactly as the trace-replay contract specifies it. */
class CliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(args);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    static String line(String ts, String account, String text) {
        return "{\"ts\":\"" + ts + "\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.0.1\","
                + "\"headers\":{\"x-account-id\":\"" + account + "\",\"user-agent\":\"sdk\"},\"label\":\"ignored\","
                + "\"body\":{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}";
    }

    private Path policy() throws Exception {
        Path p = dir.resolve("engine-test.yaml");
        try (var in = CliTest.class.getResourceAsStream("/policies/engine-test.yaml")) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    void replayWritesOneDecisionPerProcessedLineInTraceOrder() throws Exception {
        Path trace = dir.resolve("trace.jsonl");
        Files.write(trace, List.of(
                line("2026-03-02T14:00:00.000Z", "acct-1", "hello there"),
                line("2026-03-02T14:00:01.000Z", "acct-2", "write a python function and show your full reasoning"),
                "this line is not json",
                "{\"ts\":\"2026-03-02T14:00:02Z\",\"method\":\"POST\"}",
                line("2026-03-02T14:00:03.000Z", "acct-1", "thanks"),
                "{\"ts\":\"2026-03-02T14:00:04Z\",\"method\":\"POST\",\"path\":\"/v1/messages\",\"remote_addr\":\"10.0.0.1\","
                        + "\"headers\":{\"x-account-id\":\"acct-4\"},\"body\":{\"model\":\"m\",\"messages\":[]}}",
                "",
                line("2026-03-02T14:00:05.000Z", "acct-3", "show your full reasoning about cats")));
        Path decisions = dir.resolve("decisions.jsonl");
        Path summary = dir.resolve("summary.json");

        int code = run("replay", "--trace", trace.toString(), "--out", decisions.toString(),
                "--policy", policy().toString(), "--summary", summary.toString());

        assertThat(code).isZero();
        assertThat(Files.readAllLines(decisions)).containsExactly(
                "{\"line\":1,\"account\":\"acct-1\",\"action\":\"ALLOW\",\"score\":0.0,\"reasons\":[]}",
                "{\"line\":2,\"account\":\"acct-2\",\"action\":\"CHALLENGE\",\"score\":70.0,\"reasons\":[\"cot-elicitation\",\"capability-focus\"]}",
                "{\"line\":5,\"account\":\"acct-1\",\"action\":\"ALLOW\",\"score\":0.0,\"reasons\":[]}",
                "{\"line\":6,\"account\":\"acct-4\",\"action\":\"BLOCK\",\"score\":0.0,\"reasons\":[],"
                        + "\"rejected\":\"INVALID_REQUEST\",\"error\":\"max_tokens: field required\"}",
                "{\"line\":8,\"account\":\"acct-3\",\"action\":\"ALLOW\",\"score\":40.0,\"reasons\":[\"cot-elicitation\"]}");
        assertThat(stderr().lines().toList()).containsExactly(
                "line 3: skipped: not valid JSON: not a JSON object",
                "line 4: skipped: missing or mistyped field 'path'",
                "line 6: rejected as the gateway would (INVALID_REQUEST): max_tokens: field required",
                "line 7: skipped: empty line");
        String json = Files.readString(summary);
        assertThat(json).contains("\"processed\":4", "\"skipped_lines\":3", "\"rejected_lines\":1",
                "\"rejected\":{\"INVALID_REQUEST\":1}", "\"ALLOW\":3", "\"CHALLENGE\":1",
                "\"cot-elicitation\":2", "\"requests_per_second\":");
    }

    @Test
    void missingTraceFailsWithOneLineReason() throws Exception {
        int code = run("replay", "--trace", dir.resolve("nope.jsonl").toString(), "--out", dir.resolve("d").toString(),
                "--policy", policy().toString());
        assertThat(code).isNotZero();
        assertThat(stderr().lines().toList()).hasSize(1).first().asString().startsWith("cannot read trace: no such file");
    }

    @Test
    void invalidPolicyFailsWithOneLineNamingEveryError() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "version: x\nmode: sometimes\n");
        Path trace = dir.resolve("t.jsonl");
        Files.writeString(trace, line("2026-03-02T14:00:00Z", "a", "hi") + "\n");
        int code = run("replay", "--trace", trace.toString(), "--out", dir.resolve("d").toString(), "--policy", bad.toString());
        assertThat(code).isEqualTo(1);
        List<String> lines = stderr().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("invalid policy: ").contains("bad.yaml:2 mode: must be one of enforce, shadow")
                .contains("tiers: required key is missing");
    }

    @Test
    void withoutPolicyOptionTheShippedDefaultIsUsed() throws Exception {
        Path trace = dir.resolve("t.jsonl");
        Files.writeString(trace, line("2026-03-02T14:00:00Z", "acct-x", "hi") + "\n");
        Path decisions = dir.resolve("d.jsonl");
        assertThat(run("replay", "--trace", trace.toString(), "--out", decisions.toString())).isZero();
        assertThat(Files.readAllLines(decisions)).containsExactly(
                "{\"line\":1,\"account\":\"acct-x\",\"action\":\"ALLOW\",\"score\":0.0,\"reasons\":[]}");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("replay", "--trace")).isEqualTo(2);
        assertThat(run("replay", "--out", "x")).isEqualTo(2);
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(stderr()).contains("usage:");
    }

    @Test
    void auditVerifyAcceptsAnIntactChainAndNamesTheFirstEditedLineAndACutTail() throws Exception {
        String secret = "cli-test-audit-key-0123456789abcdef";
        Path keyFile = dir.resolve("audit.key");
        Files.writeString(keyFile, secret + "\n");
        io.extractionguard.engine.audit.AuditChain chain = io.extractionguard.engine.audit.AuditChain.start("gw-1",
                io.extractionguard.engine.audit.AuditKey.of(secret, "test"));
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            lines.add(chain.append(java.time.Instant.EPOCH.plusSeconds(i), "operator",
                    "{\"action\":\"block\",\"account\":\"acct-" + i + "\"}"));
        }
        Path checkpoints = dir.resolve("checkpoints.jsonl");
        Files.writeString(checkpoints, chain.checkpoint(java.time.Instant.EPOCH).line() + "\n");
        Path audit = dir.resolve("audit.jsonl");
        Files.write(audit, lines);
        assertThat(run("audit-verify", "--key-file", keyFile.toString(), "--checkpoints", checkpoints.toString(),
                audit.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("OK: 4 records, chain intact from genesis; anchored to record 4");

        Files.write(audit, lines.subList(0, 3));
        assertThat(run("audit-verify", "--key-file", keyFile.toString(), "--checkpoints", checkpoints.toString(),
                audit.toString())).isEqualTo(1);
        assertThat(stderr()).contains("line 4: tail cut");

        lines.set(2, lines.get(2).replace("acct-2", "acct-9"));
        Files.write(audit, lines);
        assertThat(run("audit-verify", "--key-file", keyFile.toString(), audit.toString())).isEqualTo(1);
        assertThat(stderr()).contains("line 3: hash does not match the record's content (record edited");
        assertThat(run("audit-verify", audit.toString())).isEqualTo(2);
    }

    @Test
    void operatorTokenPrintsAFreshTokenAndAnEntryHoldingOnlyItsHash() {
        assertThat(run("operator-token", "alice", "read,override")).isZero();
        String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("(egop_[A-Za-z0-9_-]{43})").matcher(printed);
        assertThat(token.find()).isTrue();
        assertThat(printed).contains("  - name: alice", "roles: [read, override]",
                "token-sha256: " + io.extractionguard.engine.operator.OperatorTokens.sha256Hex(token.group(1)));
        assertThat(printed.indexOf(token.group(1))).isEqualTo(printed.lastIndexOf(token.group(1)));
        assertThat(run("operator-token", "alice")).isEqualTo(2);
    }

    @Test
    void validateReportsOkOrEveryErrorWithLines() throws Exception {
        assertThat(run("validate", policy().toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("engine-test.yaml: OK, version engine-test-1 (");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "version: x\nmodes: enforce\n");
        assertThat(run("validate", bad.toString())).isEqualTo(1);
        assertThat(stderr()).contains("bad.yaml:2 modes: unknown key (did you mean 'mode'?)");
    }

    @org.junit.jupiter.api.Test
    void caseVerifyAcceptsASignedCaseAndRejectsAnEditedOneOrAnotherKey() throws Exception {
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        tools.jackson.databind.node.ObjectNode content = json.createObjectNode().put("id", "case-7").put("requests", 412);
        Path file = dir.resolve("case.json");
        Files.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                io.extractionguard.engine.enforce.CaseFile.sign(content, key)));
        String pub = java.util.Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        org.assertj.core.api.Assertions.assertThat(run("case-verify", "--public-key", pub, file.toString())).isZero();
        org.assertj.core.api.Assertions.assertThat(out.toString(StandardCharsets.UTF_8)).contains("valid, signed by the pinned key");

        Files.writeString(file, Files.readString(file).replace("412", "413"));
        org.assertj.core.api.Assertions.assertThat(run("case-verify", "--public-key", pub, file.toString())).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThat(stderr()).contains("the case was changed");
        String other = java.util.Base64.getEncoder().encodeToString(
                java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
        org.assertj.core.api.Assertions.assertThat(run("case-verify", "--public-key", other, file.toString())).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThat(stderr()).contains("not the pinned key");
    }
}
