package io.extractionguard.gateway.operators;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import io.extractionguard.gateway.config.GuardProperties;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OIDC access tokens (JWTs) from one configured issuer: the signature is checked with the issuer's
 * published keys (JWKS, fetched and cached, re-fetched for an unknown key id; asymmetric algorithms
 * only, so neither {@code alg: none} nor an HMAC signed with a public key passes), and {@code iss},
 * {@code aud}, {@code exp} and {@code nbf} are checked before the principal and its roles are read.
 *
 * <p>{@link #verify} may fetch the issuer's keys: it blocks, so call it off the event loop.
 */
final class OidcOperators {

    private static final Logger log = LoggerFactory.getLogger(OidcOperators.class);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512);
    private static final int MAX_NAME = 256;

    private final GuardProperties.Admin.Oidc settings;
    private final Clock clock;
    private final ResourceRetriever retriever = new DefaultResourceRetriever(2_000, 2_000, 512 * 1024);
    private final JsonMapper json = JsonMapper.builder().build();
    private volatile ConfigurableJWTProcessor<SecurityContext> processor;

    /** @throws IllegalArgumentException naming every problem of the configuration */
    OidcOperators(GuardProperties.Admin.Oidc settings, Clock clock) {
        List<String> problems = new ArrayList<>();
        if (!validUrl(settings.issuer())) {
            problems.add("guard.admin.oidc.issuer: an http(s) URL, was '" + settings.issuer() + "'");
        }
        if (!settings.jwksUri().isBlank() && !validUrl(settings.jwksUri())) {
            problems.add("guard.admin.oidc.jwks-uri: an http(s) URL, was '" + settings.jwksUri() + "'");
        }
        if (settings.audience().isBlank()) {
            problems.add("guard.admin.oidc.audience: required (the client id or API audience of the admin API); "
                    + "without it a token the issuer made for any other application would be accepted");
        }
        if (settings.principalClaim().isBlank() || settings.rolesClaim().isBlank()) {
            problems.add("guard.admin.oidc.principal-claim and roles-claim: must not be empty");
        }
        settings.roleMapping().forEach((value, roles) -> roles.forEach(r -> {
            if (Role.parse(r).isEmpty()) {
                problems.add("guard.admin.oidc.role-mapping[" + value + "]: '" + r + "' is not a role (" + Role.labels() + ")");
            }
        }));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid OIDC configuration: " + String.join("; ", problems));
        }
        this.settings = settings;
        this.clock = clock;
    }

    private static boolean validUrl(String s) {
        try {
            URI uri = URI.create(s);
            return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether a bearer credential is shaped like a JWS (three base64url parts). */
    static boolean looksLikeJwt(String credential) {
        int first = credential.indexOf('.');
        return credential.startsWith("eyJ") && first > 0 && credential.indexOf('.', first + 1) > first
                && credential.chars().filter(c -> c == '.').count() == 2;
    }

    /** Checks an access token; blocking (may fetch the issuer's keys). */
    Authentication verify(String jwt) {
        JWTClaimsSet claims;
        try {
            claims = processor().process(jwt, null);
        } catch (ParseException e) {
            return new Authentication.Refused("access token is not a well-formed JWT");
        } catch (RateLimitReachedException e) {
            return new Authentication.Refused("no published key matches the token's key id (the issuer's keys were "
                    + "re-fetched moments ago)");
        } catch (KeySourceException e) {
            log.warn("OIDC: the issuer's keys could not be fetched: {}", e.getMessage());
            return new Authentication.Refused("the issuer's signing keys could not be fetched");
        } catch (BadJOSEException | JOSEException e) {
            return new Authentication.Refused("access token rejected: " + e.getMessage());
        } catch (RuntimeException e) {
            log.warn("OIDC: {}", e.getMessage());
            return new Authentication.Refused("access token could not be checked: " + e.getMessage());
        }
        Object name = claims.getClaim(settings.principalClaim());
        if (!(name instanceof String s) || s.isBlank() || s.length() > MAX_NAME || s.chars().anyMatch(Character::isISOControl)) {
            return new Authentication.Refused("access token has no usable '" + settings.principalClaim() + "' claim");
        }
        return new Authentication.Authenticated(new Operator(s, roles(claims.toJSONObject()), Operator.Credential.OIDC));
    }

    /** The roles the token's roles claim grants (none is a valid answer: such an operator may do nothing). */
    Set<Role> roles(Map<String, Object> claims) {
        Object node = claims;
        for (String part : settings.rolesClaim().split("\\.")) {
            node = node instanceof Map<?, ?> m ? m.get(part) : null;
        }
        List<String> values = new ArrayList<>();
        if (node instanceof String s) {
            values.addAll(List.of(s.trim().split("\\s+")));
        } else if (node instanceof List<?> list) {
            list.stream().filter(String.class::isInstance).map(String.class::cast).forEach(values::add);
        }
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String v : values) {
            if (settings.roleMapping().isEmpty()) {
                Role.parse(v).ifPresent(roles::add);
            } else {
                settings.roleMapping().getOrDefault(v, List.of()).forEach(r -> Role.parse(r).ifPresent(roles::add));
            }
        }
        return roles;
    }

    private ConfigurableJWTProcessor<SecurityContext> processor() throws KeySourceException {
        ConfigurableJWTProcessor<SecurityContext> p = processor;
        if (p == null) {
            synchronized (this) {
                p = processor;
                if (p == null) {
                    p = build(jwksUrl());
                    processor = p;
                }
            }
        }
        return p;
    }

    /** The configured JWKS URI, or the one the issuer's discovery document names (which must name the same issuer). */
    private URL jwksUrl() throws KeySourceException {
        if (!settings.jwksUri().isBlank()) {
            return url(settings.jwksUri());
        }
        String base = settings.issuer().endsWith("/") ? settings.issuer().substring(0, settings.issuer().length() - 1)
                : settings.issuer();
        JsonNode discovery;
        try {
            discovery = json.readTree(retriever.retrieveResource(URI.create(base + "/.well-known/openid-configuration")
                    .toURL()).getContent());
        } catch (IOException | RuntimeException e) {
            throw new KeySourceException("discovery document of " + settings.issuer() + ": " + e.getMessage(), e);
        }
        if (!settings.issuer().equals(discovery.path("issuer").asString(""))) {
            throw new KeySourceException("discovery document names issuer '" + discovery.path("issuer").asString("")
                    + "', not the configured '" + settings.issuer() + "'");
        }
        String jwks = discovery.path("jwks_uri").asString("");
        if (!validUrl(jwks)) {
            throw new KeySourceException("discovery document of " + settings.issuer() + " has no usable jwks_uri");
        }
        log.info("OIDC: issuer {} publishes its keys at {}", settings.issuer(), jwks);
        return url(jwks);
    }

    private static URL url(String s) throws KeySourceException {
        try {
            return URI.create(s).toURL();
        } catch (IOException | IllegalArgumentException e) {
            throw new KeySourceException("not a URL: " + s, e);
        }
    }

    private ConfigurableJWTProcessor<SecurityContext> build(URL jwks) {
        JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwks, retriever).retrying(true).build();
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Set.of(settings.audience()),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                new HashSet<>(List.of("exp", settings.principalClaim())), Set.of()) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) Math.min(Integer.MAX_VALUE, settings.clockSkew().toSeconds()));
        p.setJWTClaimsSetVerifier(claims);
        return p;
    }
}
