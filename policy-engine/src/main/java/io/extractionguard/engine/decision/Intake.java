package io.extractionguard.engine.decision;

import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ContentDecoding;
import io.extractionguard.engine.request.InferenceRequest;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.engine.request.ParseResult;
import io.extractionguard.engine.request.RequestParser;
import io.extractionguard.engine.spi.HeaderSource;

/**
 * What the engine makes of an {@link Arrival} before deciding it: decode the body, check and parse it in its
 * API's format, resolve the caller. The one place this sequence is written; the gateway's filter and the admin
 * explain go through it, and the replay checks and parses a trace line's (already decoded) body with
 * {@link #parse(ApiFormat, byte[], int, int, int)}, then {@link #identify}s. Immutable, thread-safe, CPU only.
 */
public final class Intake {

    /** The outcome: a request to decide, or why there is none. */
    public sealed interface Read {
    }

    /**
     * @param identity the caller
     * @param request  the parsed request
     * @param body     the body decoded (the received bytes when they were not compressed)
     */
    public record Accepted(ClientIdentity identity, InferenceRequest request, byte[] body) implements Read {
    }

    /** The body could not be decoded or parsed: {@code error} says which and where. */
    public record Refused(ParseError error) implements Read {
    }

    private final RequestParser parser;
    private final IdentityResolver identities;

    public Intake(RequestParser parser, IdentityResolver identities) {
        this.parser = parser;
        this.identities = identities;
    }

    /** The same intake believing every peer's identity headers (the admin explain: an operator typed them). */
    public Intake trustingAllPeers() {
        return new Intake(parser, identities.trustingAllPeers());
    }

    /** Decodes, parses and identifies. */
    public Read read(Arrival arrival) {
        ContentDecoding.Result decoded = decode(arrival);
        if (!decoded.ok()) {
            return new Refused(decoded.error());
        }
        byte[] body = decoded.body();
        return identify(parse(arrival.format(), body, 0, body.length, arrival.maxBytes()), arrival.headers(),
                arrival.peer(), body);
    }

    /**
     * The checks every decoded body passes before it is decided, and its parse: over {@code maxBytes} it is too large
     * ({@link ParseError.Kind#LIMIT_EXCEEDED}); otherwise the parser's own (UTF-8 without a byte-order mark, strict
     * JSON without a key twice, structural limits, the API's shape). The gateway's bodies and the replay's trace
     * lines ({@code body[offset, offset + length)}) both come through here, so a backtest refuses what production
     * refuses, for the same cause.
     */
    public ParseResult parse(ApiFormat format, byte[] body, int offset, int length, int maxBytes) {
        if (length > maxBytes) {
            return ParseResult.failed(ParseError.Kind.LIMIT_EXCEEDED,
                    "request body is larger than the " + maxBytes + "-byte limit of this endpoint");
        }
        return parser.parse(format, body, offset, length);
    }

    /**
     * The body decoded per its {@code content-encoding} (the received bytes themselves when not
     * compressed), within the arrival's cap. Batches decode with it, then parse their items.
     */
    public ContentDecoding.Result decode(Arrival arrival) {
        return ContentDecoding.decode(arrival.headers().get("content-encoding"), arrival.body(), arrival.maxBytes());
    }

    private Read identify(ParseResult parsed, HeaderSource headers, String peer, byte[] body) {
        if (parsed instanceof ParseResult.Failed failed) {
            return new Refused(failed.error());
        }
        return new Accepted(identify(headers, peer), ((ParseResult.Parsed) parsed).request(), body);
    }

    /** The caller: trusted identity headers from a trusted peer, else the keyed hash of its credential. */
    public ClientIdentity identify(HeaderSource headers, String peer) {
        return identities.resolve(headers, peer);
    }

    /** Whether identity headers from {@code peer} are believed (else they are removed before forwarding). */
    public boolean trusts(String peer) {
        return identities.isTrusted(peer);
    }

    /** The parser (batches parse their items with it). */
    public RequestParser parser() {
        return parser;
    }
}
