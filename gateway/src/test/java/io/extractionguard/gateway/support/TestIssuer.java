package io.extractionguard.gateway.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * An OIDC issuer for tests: a real HTTP server on loopback publishing a discovery document and a JWKS,
 * and signing access tokens with its RSA keys. Keys can be rotated (a new key published and used).
 */
public final class TestIssuer implements AutoCloseable {

    private final HttpServer server;
    private final List<RSAKey> published = new ArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private RSAKey current;

    public TestIssuer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        current = newKey();
        published.add(current);
        server.createContext("/realms/ops/.well-known/openid-configuration", ex -> respond(ex,
                "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + issuer() + "/jwks\"}"));
        server.createContext("/realms/ops/jwks", ex -> {
            jwksFetches.incrementAndGet();
            List<JWK> keys;
            synchronized (this) {
                keys = published.stream().map(k -> (JWK) k.toPublicJWK()).toList();
            }
            respond(ex, new JWKSet(keys).toString());
        });
        server.start();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    public static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("k-" + System.nanoTime()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/ops";
    }

    public int jwksFetches() {
        return jwksFetches.get();
    }

    /** Publishes a new key and signs with it from now on (the old one stays published). */
    public synchronized void rotate() {
        current = newKey();
        published.add(current);
    }

    /** Claims of a valid access token for {@code subject}, audience {@code audience}, valid for 5 minutes. */
    public JWTClaimsSet.Builder claims(String subject, String audience) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer()).subject(subject).audience(audience)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    public String sign(JWTClaimsSet claims) {
        return sign(claims, current());
    }

    public static String sign(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized RSAKey current() {
        return current;
    }

    /** A claim value for Keycloak-style nested roles: {@code realm_access.roles}. */
    public static Map<String, Object> realmRoles(String... roles) {
        return Map.of("roles", List.of(roles));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
