package io.extractionguard.gateway.support;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.extractionguard.engine.operator.OperatorTokens;
import io.extractionguard.gateway.operators.Role;

/**
 * Operators for tests: each with a fresh random token, configured as {@code guard.admin.operators}
 * entries that hold only the token's hash, as in production.
 */
public final class TestOperators {

    /** One operator: name, raw token (what the client sends), roles. */
    public record Op(String name, String token, Role... roles) {

        public static Op of(String name, Role... roles) {
            return new Op(name, OperatorTokens.generate(), roles);
        }

        public String bearer() {
            return "Bearer " + token;
        }
    }

    private TestOperators() {
    }

    /** The {@code guard.admin.operators[i].*} properties for these operators. */
    public static Map<String, String> properties(Op... ops) {
        Map<String, String> props = new LinkedHashMap<>();
        for (int i = 0; i < ops.length; i++) {
            String at = "guard.admin.operators[" + i + "].";
            props.put(at + "name", ops[i].name());
            props.put(at + "token-sha256", OperatorTokens.sha256Hex(ops[i].token()));
            props.put(at + "roles", Arrays.stream(ops[i].roles()).map(Role::label).collect(Collectors.joining(",")));
        }
        return props;
    }

    public static void register(DynamicPropertyRegistry registry, Op... ops) {
        properties(ops).forEach((k, v) -> registry.add(k, () -> v));
    }
}
