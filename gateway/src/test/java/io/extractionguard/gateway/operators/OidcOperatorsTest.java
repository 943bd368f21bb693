package io.extractionguard.gateway.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import io.extractionguard.gateway.config.GuardProperties;
import io.extractionguard.gateway.support.TestIssuer;

/**
 * OIDC access tokens against a real issuer on loopback (discovery document and JWKS over HTTP):
 * what is accepted, and each way an attacker who read our docs might forge or reuse a token.
 */
class OidcOperatorsTest {

    private static final String AUDIENCE = "extraction-guard-admin";
    private static final TestIssuer ISSUER = new TestIssuer();

    @AfterAll
    static void stop() {
        ISSUER.close();
    }

    private static GuardProperties.Admin.Oidc oidc(String rolesClaim, Map<String, List<String>> mapping) {
        return new GuardProperties.Admin.Oidc(ISSUER.issuer(), "", AUDIENCE, "email", rolesClaim, mapping,
                Duration.ofSeconds(5));
    }

    /** Per test: each starts with an empty key cache. */
    private final OperatorAuthenticator keycloakStyle = new OperatorAuthenticator(
            new TokenOperators("", List.of()), java.util.Optional.of(new OidcOperators(
                    oidc("realm_access.roles", Map.of("guard-oncall", List.of("read", "override"))), Clock.systemUTC())));

    private Authentication authenticate(String jwt) {
        return keycloakStyle.authenticate("Bearer " + jwt).block();
    }

    private static JWTClaimsSet.Builder oncall() {
        return ISSUER.claims("0b7d6c1e", AUDIENCE).claim("email", "oncall@example.com")
                .claim("realm_access", TestIssuer.realmRoles("guard-oncall", "offline_access"));
    }

    private String refusal(String jwt) {
        Authentication a = authenticate(jwt);
        assertThat(a).isInstanceOf(Authentication.Refused.class);
        return ((Authentication.Refused) a).reason();
    }

    @Test
    void aValidTokenAuthenticatesItsPrincipalClaimWithTheMappedRoles() {
        Authentication a = authenticate(ISSUER.sign(oncall().build()));
        assertThat(a).isEqualTo(new Authentication.Authenticated(new Operator("oncall@example.com",
                Set.of(Role.READ, Role.OVERRIDE), Operator.Credential.OIDC)));
    }

    @Test
    void withoutAMappingClaimValuesThatNameRolesAreTheRoles() {
        OidcOperators direct = new OidcOperators(oidc("roles", Map.of()), Clock.systemUTC());
        assertThat(direct.roles(Map.of("roles", List.of("read", "INTEL", "admin")))).containsExactlyInAnyOrder(Role.READ, Role.INTEL);
        assertThat(direct.roles(Map.of("roles", "policy read"))).containsExactlyInAnyOrder(Role.READ, Role.POLICY);
        assertThat(direct.roles(Map.of("other", List.of("read")))).isEmpty();
    }

    @Test
    void aTokenForAnotherAudienceOrFromAnotherIssuerIsRefused() {
        assertThat(refusal(ISSUER.sign(oncall().audience("some-other-app").build()))).contains("aud");
        assertThat(refusal(ISSUER.sign(oncall().issuer("http://127.0.0.1:1/realms/other").build()))).contains("iss");
    }

    @Test
    void anExpiredOrNotYetValidTokenIsRefused() {
        Instant now = Instant.now();
        assertThat(refusal(ISSUER.sign(oncall().expirationTime(Date.from(now.minusSeconds(60))).build())))
                .contains("Expired");
        assertThat(refusal(ISSUER.sign(oncall().notBeforeTime(Date.from(now.plusSeconds(600))).build())))
                .contains("before");
        assertThat(refusal(ISSUER.sign(new JWTClaimsSet.Builder(oncall().build()).expirationTime(null).build())))
                .contains("exp");
    }

    @Test
    void aTokenSignedByAKeyTheIssuerDidNotPublishIsRefusedEvenUnderAPublishedKeyId() {
        RSAKey forged = new RSAKey.Builder(TestIssuer.newKey()).keyID(ISSUER.current().getKeyID()).build();
        assertThat(refusal(TestIssuer.sign(oncall().build(), forged))).contains("Signed JWT rejected");
        assertThat(refusal(TestIssuer.sign(oncall().build(), TestIssuer.newKey())))
                .containsAnyOf("Signed JWT rejected", "no published key matches");
    }

    @Test
    void anUnsignedTokenOrAnHmacSignedWithThePublicKeyIsRefused() throws Exception {
        assertThat(refusal(new PlainJWT(oncall().build()).serialize())).containsIgnoringCase("unsecured");
        // algorithm confusion: HS256 keyed with the issuer's public key, which anyone can download
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(ISSUER.current().getKeyID()).build(),
                oncall().build());
        hmac.sign(new MACSigner(ISSUER.current().toPublicJWK().toRSAPublicKey().getEncoded()));
        assertThat(refusal(hmac.serialize())).contains("Signed JWT rejected");
    }

    @Test
    void anEditedPayloadFailsTheSignature() {
        String[] parts = ISSUER.sign(ISSUER.claims("x", AUDIENCE).claim("email", "reader@example.com")
                .claim("realm_access", TestIssuer.realmRoles("guard-reader")).build()).split("\\.");
        String payload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(oncall().build().toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(refusal(parts[0] + "." + payload + "." + parts[2])).contains("Signed JWT rejected");
    }

    @Test
    void aKeyRotatedInAtTheIssuerIsPickedUpWithoutARestart() {
        assertThat(authenticate(ISSUER.sign(oncall().build()))).isInstanceOf(Authentication.Authenticated.class);
        int fetches = ISSUER.jwksFetches();
        ISSUER.rotate();
        assertThat(authenticate(ISSUER.sign(oncall().build()))).isInstanceOf(Authentication.Authenticated.class);
        assertThat(ISSUER.jwksFetches()).isGreaterThan(fetches);
    }

    @Test
    void aJwtIsRefusedWhereNoIssuerIsConfigured() {
        OperatorAuthenticator tokensOnly = new OperatorAuthenticator(new TokenOperators("shared-token-1234", List.of()),
                java.util.Optional.empty());
        Authentication a = tokensOnly.authenticate("Bearer " + ISSUER.sign(oncall().build())).block();
        assertThat(((Authentication.Refused) a).reason()).contains("guard.admin.oidc.issuer is not set");
    }

    @Test
    void anIssuerWithoutAnAudienceIsAConfigurationError() {
        assertThatThrownBy(() -> new OidcOperators(new GuardProperties.Admin.Oidc(ISSUER.issuer(), "", "", "sub", "roles",
                Map.of("x", List.of("root")), Duration.ZERO), Clock.systemUTC()))
                .hasMessageContaining("guard.admin.oidc.audience: required")
                .hasMessageContaining("guard.admin.oidc.role-mapping[x]: 'root' is not a role");
    }
}
