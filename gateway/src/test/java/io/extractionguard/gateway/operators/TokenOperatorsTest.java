package io.extractionguard.gateway.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.operator.OperatorTokens;
import io.extractionguard.gateway.config.GuardProperties.Admin.OperatorToken;

class TokenOperatorsTest {

    private static final String ALICE = OperatorTokens.generate();
    private static final String BOB = OperatorTokens.generate();

    private final TokenOperators operators = new TokenOperators("shared-legacy-token", List.of(
            new OperatorToken("alice", OperatorTokens.sha256Hex(ALICE), List.of("read", "override")),
            new OperatorToken("bob", OperatorTokens.sha256Hex(BOB).toUpperCase(), List.of("intel"))));

    @Test
    void eachTokenIsItsOperatorAndTheSharedTokenIsAdminTokenWithEveryRole() {
        assertThat(operators.match(ALICE)).contains(new Operator("alice", Set.of(Role.READ, Role.OVERRIDE), Operator.Credential.TOKEN));
        assertThat(operators.match(BOB)).contains(new Operator("bob", Set.of(Role.INTEL), Operator.Credential.TOKEN));
        assertThat(operators.match("shared-legacy-token")).contains(new Operator("admin-token", Set.of(Role.values()),
                Operator.Credential.SHARED_TOKEN));
        assertThat(operators.match(ALICE + " ")).isEmpty();
        assertThat(operators.match(OperatorTokens.sha256Hex(ALICE))).isEmpty();
        assertThat(operators.match("")).isEmpty();
    }

    @Test
    void generatedTokensCarryThePrefixAnd256RandomBits() {
        assertThat(ALICE).startsWith("egop_").hasSize(5 + 43).isNotEqualTo(BOB);
    }

    @Test
    void everyConfigurationProblemIsNamedWithItsPath() {
        assertThatThrownBy(() -> new TokenOperators("", List.of(
                new OperatorToken("alice", OperatorTokens.sha256Hex(ALICE), List.of("read")),
                new OperatorToken("alice", "abc", List.of("root")),
                new OperatorToken("admin-token", OperatorTokens.sha256Hex(ALICE), List.of()),
                new OperatorToken("bad name", OperatorTokens.sha256Hex(BOB), List.of("read")))))
                .hasMessageContaining("guard.admin.operators[1].name: 'alice' is configured twice")
                .hasMessageContaining("guard.admin.operators[1].token-sha256: the SHA-256 of the token as 64 hex digits")
                .hasMessageContaining("guard.admin.operators[1].roles: 'root' is not a role (read, override, policy, intel)")
                .hasMessageContaining("guard.admin.operators[2].name: 'admin-token' is the shared token's principal")
                .hasMessageContaining("guard.admin.operators[2].token-sha256: the same token is configured for another operator")
                .hasMessageContaining("guard.admin.operators[2].roles: at least one of")
                .hasMessageContaining("guard.admin.operators[3].name: 1-64 characters");
    }
}
