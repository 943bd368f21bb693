package io.extractionguard.engine.decision;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.extractionguard.engine.boundary.Credentials;
import io.extractionguard.engine.identity.Cidr;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.IpAddresses;
import io.extractionguard.engine.identity.Rfc3339;
import io.extractionguard.engine.spi.HeaderSource;

/**
 * Resolves a {@link ClientIdentity} from headers set by the trusted edge (the contract's header
 * table). Identity and enrichment headers count only when the TCP peer is a trusted proxy;
 * otherwise they are ignored and the account is a keyed hash (HMAC-SHA256) of the credential.
 * The client address is taken from {@code x-forwarded-for} right to left, through trusted hops only.
 *
 * <p>Thread-safe.
 */
public final class IdentityResolver {

    static final int MAX_ID_LENGTH = 128;
    static final int MAX_XFF_HOPS = 32;

    private final byte[] credentialKey;
    private final List<Cidr> trustedProxies;
    private final ThreadLocal<Mac> mac;
    /** Per thread, the hashes of the credentials seen last (null: every credential is hashed each time). */
    private final ThreadLocal<Map<String, String>> credentialHashes;

    /**
     * @param credentialKey  secret key for hashing credentials; the same key must be used by all replicas
     * @param trustedProxies networks whose identity headers are believed
     */
    public IdentityResolver(byte[] credentialKey, List<Cidr> trustedProxies) {
        this(credentialKey, trustedProxies, 0);
    }

    private IdentityResolver(byte[] credentialKey, List<Cidr> trustedProxies, int rememberedPerThread) {
        if (credentialKey == null || credentialKey.length < 16) {
            throw new IllegalArgumentException("credential hash key must be at least 16 bytes");
        }
        this.credentialKey = credentialKey.clone();
        this.trustedProxies = List.copyOf(trustedProxies);
        this.mac = ThreadLocal.withInitial(this::newMac);
        this.credentialHashes = rememberedPerThread <= 0 ? null : ThreadLocal.withInitial(
                () -> new LinkedHashMap<>(rememberedPerThread * 2, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                        return size() > rememberedPerThread;
                    }
                });
    }

    /**
     * The same resolver remembering, per thread, the hashes of the last {@code perThread} credentials:
     * for the replay, where a trace repeats a few thousand keys over millions of lines and the HMAC of
     * each was 5-7% of preparing a line. The keys are in the trace file already; the gateway does not
     * keep raw keys beyond a request, so it does not use this.
     */
    public IdentityResolver rememberingCredentialHashes(int perThread) {
        return new IdentityResolver(credentialKey, trustedProxies, perThread);
    }

    /** A resolver that trusts every peer: for replaying traces recorded behind the trusted edge. */
    public static IdentityResolver trustingEveryone(byte[] credentialKey) {
        return new IdentityResolver(credentialKey,
                List.of(Cidr.parse("0.0.0.0/0").orElseThrow(), Cidr.parse("::/0").orElseThrow()));
    }

    /** The same credential key, trusting every peer: for operators explaining a request as recorded behind the edge. */
    public IdentityResolver trustingAllPeers() {
        return trustingEveryone(credentialKey);
    }

    public ClientIdentity resolve(HeaderSource headers, String remoteAddress) {
        boolean trustedPeer = isTrusted(remoteAddress);
        int stripped = 0;

        String credential = Credentials.read(headers); // ambiguous credentials were refused at the boundary
        String credentialHash = credential == null ? null : credentialHash(credential);

        String accountId = null;
        String org = null;
        String tier = null;
        Instant created = null;
        String payment = null;
        String ja4 = null;
        if (trustedPeer) {
            String[] raw = {headers.get("x-account-id"), headers.get("x-org-id"), headers.get("x-account-tier"),
                    headers.get("x-payment-fingerprint"), headers.get("x-client-ja4")};
            String[] clean = new String[raw.length];
            for (int i = 0; i < raw.length; i++) {
                clean[i] = validId(raw[i]);
                if (raw[i] != null && clean[i] == null) {
                    stripped++;
                }
            }
            accountId = clean[0];
            org = clean[1];
            tier = clean[2] == null ? null : clean[2].toLowerCase(java.util.Locale.ROOT);
            payment = clean[3];
            ja4 = clean[4];
            String createdRaw = headers.get("x-account-created");
            created = parseTime(createdRaw);
            if (createdRaw != null && created == null) {
                stripped++;
            }
        } else {
            for (String h : new String[]{"x-account-id", "x-org-id", "x-account-tier", "x-account-created",
                    "x-payment-fingerprint", "x-client-ja4"}) {
                if (headers.get(h) != null) {
                    stripped++;
                }
            }
        }
        String clientIp = trustedPeer ? clientAddress(headers.get("x-forwarded-for"), remoteAddress) : remoteAddress;

        ClientIdentity.Source source;
        if (accountId != null) {
            source = ClientIdentity.Source.TRUSTED_HEADER;
        } else if (credentialHash != null) {
            accountId = "key-" + credentialHash;
            source = ClientIdentity.Source.CREDENTIAL;
        } else {
            accountId = "anon-" + keyedHash("address:" + clientIp);
            source = ClientIdentity.Source.ANONYMOUS;
        }
        String userAgent = headers.get("user-agent");
        if (userAgent != null && (userAgent.length() > 512 || hasControlChars(userAgent))) {
            userAgent = null;
            stripped++;
        }
        return new ClientIdentity(accountId, source, credentialHash, org, tier, created, payment, ja4,
                userAgent, clientIp, stripped);
    }

    /** Whether the address belongs to a trusted proxy network. */
    public boolean isTrusted(String address) {
        long ipv4 = address == null ? -1 : IpAddresses.canonicalIpv4(address);
        if (ipv4 >= 0) {
            return isTrustedIpv4(ipv4);
        }
        Optional<InetAddress> parsed = IpAddresses.parse(address);
        return parsed.isPresent() && isTrusted(parsed.get());
    }

    private boolean isTrustedIpv4(long address) {
        for (Cidr cidr : trustedProxies) {
            if (cidr.containsIpv4(address)) {
                return true;
            }
        }
        return false;
    }

    private boolean isTrusted(InetAddress address) {
        for (Cidr cidr : trustedProxies) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Walks {@code x-forwarded-for} from the right: each trusted hop is skipped, the first untrusted
     * entry is the client. Malformed entries stop the walk (the last trusted hop is used).
     */
    String clientAddress(String forwardedFor, String remoteAddress) {
        if (forwardedFor == null || forwardedFor.isBlank()) {
            return remoteAddress;
        }
        String[] hops = forwardedFor.split(",");
        String candidate = remoteAddress;
        int walked = 0;
        for (int i = hops.length - 1; i >= 0 && walked < MAX_XFF_HOPS; i--, walked++) {
            String hop = hops[i].trim();
            long ipv4 = IpAddresses.canonicalIpv4(hop);
            if (ipv4 >= 0) { // the common spelling, without an InetAddress (the same address and text)
                candidate = hop;
                if (!isTrustedIpv4(ipv4)) {
                    return candidate;
                }
                continue;
            }
            Optional<InetAddress> parsed = IpAddresses.parse(hop);
            if (parsed.isEmpty()) {
                return candidate;
            }
            candidate = parsed.get().getHostAddress();
            if (!isTrusted(parsed.get())) { // the hop parsed once, not again for the trust check
                return candidate;
            }
        }
        return candidate;
    }

    private String credentialHash(String credential) {
        if (credentialHashes == null) {
            return keyedHash("credential:" + credential);
        }
        Map<String, String> known = credentialHashes.get();
        String hash = known.get(credential);
        if (hash == null) {
            hash = keyedHash("credential:" + credential);
            known.put(credential, hash);
        }
        return hash;
    }

    /** A keyed, truncated (128-bit) hex digest: stable across replicas sharing the key, irreversible. */
    public String keyedHash(String value) {
        Mac m = mac.get();
        byte[] digest = m.doFinal(value.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(credentialKey, "HmacSHA256"));
            return m;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Identifiers: 1..128 printable ASCII characters without spaces, quotes or separators. */
    static String validId(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (v.isEmpty() || v.length() > MAX_ID_LENGTH) {
            return null;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '@' || c == '/' || c == '+' || c == '=';
            if (!ok) {
                return null;
            }
        }
        return v;
    }

    private static boolean hasControlChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return true;
            }
        }
        return false;
    }

    static Instant parseTime(String value) {
        return Rfc3339.parse(value);
    }
}
