package io.extractionguard.gateway.operators;

import java.time.Clock;
import java.util.Optional;

import io.extractionguard.gateway.config.GuardProperties;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Who is calling: turns an {@code Authorization} header into an {@link Operator}, or says why not.
 * A bearer credential shaped like a JWT is checked as an OIDC access token (when an issuer is
 * configured); any other as an operator token. Never a header naming the operator: the principal is
 * what the credential proves. Reusable by any operator-facing endpoint (admin API, TAXII, console);
 * {@link OperatorAccess} is the WebFlux glue.
 */
public final class OperatorAuthenticator {

    private final TokenOperators tokens;
    private final Optional<OidcOperators> oidc;

    OperatorAuthenticator(TokenOperators tokens, Optional<OidcOperators> oidc) {
        this.tokens = tokens;
        this.oidc = oidc;
    }

    /**
     * From the admin settings; {@code null} when none is configured.
     *
     * @throws IllegalArgumentException naming every configuration problem
     */
    public static OperatorAuthenticator of(GuardProperties.Admin admin, Clock clock) {
        if (!admin.enabled()) {
            return null;
        }
        return new OperatorAuthenticator(new TokenOperators(admin.token(), admin.operators()),
                admin.oidc().enabled() ? Optional.of(new OidcOperators(admin.oidc(), clock)) : Optional.empty());
    }

    /** What start-up says about the configured ways in (counts and issuer, no secrets). */
    public String describe() {
        return tokens.size() + " operator token(s)" + oidc.map(o -> " and OIDC access tokens").orElse("");
    }

    /**
     * Authenticates the value of an {@code Authorization} header. Token checks run on the calling
     * thread (one hash); an OIDC token is checked on a worker thread (the issuer's keys may be fetched).
     */
    public Mono<Authentication> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || authorization.substring(7).isBlank()) {
            return Mono.just(new Authentication.Missing());
        }
        String credential = authorization.substring(7).trim();
        if (OidcOperators.looksLikeJwt(credential)) {
            return oidc.<Mono<Authentication>>map(o -> Mono.fromCallable(() -> o.verify(credential))
                            .subscribeOn(Schedulers.boundedElastic()))
                    .orElseGet(() -> Mono.just(new Authentication.Refused("OIDC access tokens are not accepted here "
                            + "(guard.admin.oidc.issuer is not set)")));
        }
        return Mono.just(tokens.match(credential).<Authentication>map(Authentication.Authenticated::new)
                .orElseGet(() -> new Authentication.Refused("invalid operator token")));
    }
}
