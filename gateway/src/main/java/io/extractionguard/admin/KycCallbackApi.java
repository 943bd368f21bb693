package io.extractionguard.admin;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.extractionguard.engine.spi.ChallengeLedger;
import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.enforce.EnforcementProperties;
import io.extractionguard.gateway.enforce.HmacSignature;
import io.extractionguard.gateway.filter.DataBuffers;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The identity-verification (KYC) callback that completes a verification hold ({@code docs/challenge.md},
 * {@code docs/intel.md}): {@code POST /kyc/callback} on the management port, from the provider's KYC
 * system, body {@code {"account": …, "outcome": "verified"|"rejected", "reference": …}}, signed
 * ({@link HmacSignature}, key {@code guard.enforcement.kyc-key}). The signature covers the timestamp;
 * a timestamp further than {@code kyc-max-skew} from now, or a signature seen before (the fleet's
 * shared nonce ledger), is refused. {@code verified} lifts the account's hold (a challenge verdict)
 * across the fleet; {@code rejected} confirms the penalty as a block. Both are audited before they
 * take effect; a block imposed by an operator or a campaign sanction is never lifted by a callback.
 */
final class KycCallbackApi {

    static final String PATH = "/kyc/callback";
    static final int MAX_BODY = 16 * 1024;
    /** How long a rejected verification blocks the account (unless an existing verdict lasts longer). */
    static final Duration CONFIRMED_BLOCK = Duration.ofDays(30);
    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,256}");

    private final EnforcementProperties props;
    private final StateStore store;
    private final ChallengeLedger ledger;
    private final AuditTrail audit;
    private final JsonMapper json;
    private final Clock clock;

    KycCallbackApi(EnforcementProperties props, StateStore store, ChallengeLedger ledger, AuditTrail audit, JsonMapper json,
                   Clock clock) {
        this.props = props;
        this.store = store;
        this.ledger = ledger;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().POST(PATH, this::callback).build();
    }

    private Mono<ServerResponse> callback(ServerRequest r) {
        if (props.kycKey().isBlank()) {
            return error(HttpStatus.NOT_FOUND, "the KYC callback is not configured (guard.enforcement.kyc-key)");
        }
        String signature = r.headers().firstHeader(HmacSignature.HEADER);
        return DataBufferUtils.join(r.exchange().getRequest().getBody(), MAX_BODY).map(DataBuffers::drain)
                .defaultIfEmpty(new byte[0]).flatMap(body -> handle(signature, body))
                .onErrorResume(DataBufferLimitException.class, e -> error(HttpStatus.CONTENT_TOO_LARGE,
                        "body larger than " + MAX_BODY + " bytes"));
    }

    private Mono<ServerResponse> handle(String signature, byte[] body) {
        Instant now = clock.instant();
        Optional<Long> signedAt = HmacSignature.verify(props.kycKey().getBytes(StandardCharsets.UTF_8), signature, body);
        if (signedAt.isEmpty()) {
            return error(HttpStatus.UNAUTHORIZED, "missing or invalid " + HmacSignature.HEADER);
        }
        Instant at = Instant.ofEpochSecond(signedAt.get());
        if (Duration.between(at, now).abs().compareTo(props.kycMaxSkew()) > 0) {
            return error(HttpStatus.UNAUTHORIZED, "signature timestamp outside " + props.kycMaxSkew() + " of now (replayed or clock skew)");
        }
        if (!ledger.redeem("kyc:" + signature, now.plus(props.kycMaxSkew().multipliedBy(2)))) {
            return error(HttpStatus.CONFLICT, "this callback was already received (replay)");
        }
        JsonNode n;
        try {
            n = json.readTree(body);
        } catch (RuntimeException e) {
            return error(HttpStatus.BAD_REQUEST, "body is not JSON");
        }
        String account = n == null ? "" : n.path("account").asString("");
        String outcome = n == null ? "" : n.path("outcome").asString("");
        String reference = n == null ? "" : n.path("reference").asString("");
        if (!ACCOUNT.matcher(account).matches()) {
            return error(HttpStatus.BAD_REQUEST, "account: required");
        }
        if (!outcome.equals("verified") && !outcome.equals("rejected")) {
            return error(HttpStatus.BAD_REQUEST, "outcome: verified or rejected");
        }
        if (reference.isBlank() || reference.length() > 200) {
            return error(HttpStatus.BAD_REQUEST, "reference: required (the KYC case), at most 200 characters");
        }
        return Mono.fromCallable(() -> apply(account, outcome, reference, now)).subscribeOn(Schedulers.boundedElastic())
                .flatMap(o -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json.writeValueAsBytes(o)));
    }

    private ObjectNode apply(String account, String outcome, String reference, Instant now) throws java.io.IOException {
        Optional<Verdict> current = store.verdict(account, now);
        boolean operatorBlock = current.isPresent() && current.get().kind() == Verdict.Kind.BLOCK
                && !current.get().source().startsWith("kyc/");
        ObjectNode record = json.createObjectNode().put("actor", "kyc").put("auth", "hmac")
                .put("action", outcome.equals("verified") ? "kyc-release" : "kyc-confirm")
                .put("account", account).put("reference", reference)
                .put("previous", current.map(v -> v.kind() + " " + v.source()).orElse(null));
        ObjectNode result = json.createObjectNode().put("account", account).put("outcome", outcome);
        if (outcome.equals("verified")) {
            boolean held = current.isPresent() && current.get().kind() == Verdict.Kind.CHALLENGE;
            record.put("released", held);
            audit.record("operator", json.writeValueAsString(record));
            if (held) {
                store.clearVerdict(account, now);
            }
            return result.put("released", held).put("note", held ? "hold lifted on every replica"
                    : operatorBlock ? "the account is blocked by an operator or a campaign sanction: not lifted by verification"
                    : "no hold to lift");
        }
        Instant until = now.plus(CONFIRMED_BLOCK);
        if (current.isPresent() && current.get().expiresAt().isAfter(until)) {
            until = current.get().expiresAt();
        }
        record.put("blockedUntil", until.toString());
        audit.record("operator", json.writeValueAsString(record));
        if (!operatorBlock) {
            store.putVerdict(account, new Verdict(Verdict.Kind.BLOCK, until, "kyc/" + reference,
                    List.of("kyc/rejected"), "identity verification rejected (" + reference + ")"));
        }
        return result.put("blocked", true).put("until", until.toString());
    }

    private Mono<ServerResponse> error(HttpStatus status, String message) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json.writeValueAsBytes(json.createObjectNode().put("error", message)));
    }
}
