package io.extractionguard.engine.campaign;

import java.net.InetAddress;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.features.RequestFeatures;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.IpAddresses;

/**
 * Computes a request's {@link RequestIndicators}. Pure and thread-safe.
 *
 * <p>Template buckets are locality-sensitive hashing bands over the {@link PromptSketch}: the 64
 * four-bit components are cut into {@value #BANDS} bands of {@value #ROWS}; two prompts share a
 * band's bucket when all its components agree. Prompts of one template (estimated Jaccard
 * similarity ≥ 0.5) share at least one bucket with high probability, unrelated prompts almost never.
 * Bucket keys carry the sketch version.
 */
public final class Indicators {

    public static final int ROWS = 4;
    public static final int BANDS = 8;

    private static final Hasher64 HASH = Hashing.komihash5_0();
    /**
     * Tags template bucket keys; it carries the {@link PromptSketch#VERSION} (version 1's tag was 0x7E4A), so
     * a shared store's buckets of another sketch version are never found (they age out) and never compared.
     */
    private static final int TEMPLATE_TAG = 0x7E4A + ((PromptSketch.VERSION - 1) << 16);

    private Indicators() {
    }

    /** 64-bit hash of an account id, never 0; the same on every replica. */
    public static long accountHash(String accountId) {
        long h = HASH.hashCharsToLong(accountId);
        return h == 0 ? 1 : h;
    }

    public static RequestIndicators extract(CampaignSettings settings, ClientIdentity id, RequestFeatures features) {
        return extract(settings, id, features, RequestIndicators.Conversation.NONE);
    }

    /** As above, with the request's conversation shape (continuations of the account's previous request). */
    public static RequestIndicators extract(CampaignSettings settings, ClientIdentity id, RequestFeatures features,
                                            RequestIndicators.Conversation conversation) {
        if (!settings.enabled()) {
            return RequestIndicators.NONE;
        }
        long[] values = new long[IndicatorKind.count()];
        for (IndicatorKind kind : IndicatorKind.values()) {
            IndicatorSettings s = settings.indicator(kind);
            if (s != null) {
                values[kind.ordinal()] = value(kind, s, id, features);
            }
        }
        long client = values[IndicatorKind.CLIENT.ordinal()];
        long network = values[IndicatorKind.NETWORK.ordinal()];
        if (settings.rotation().weight() > 0) {
            client = client != 0 ? client : value(IndicatorKind.CLIENT, null, id, features);
            network = network != 0 ? network : value(IndicatorKind.NETWORK, null, id, features);
        }
        double content = settings.content().score(features);
        // a request without any harvesting trait neither makes nor joins a hot template: not indexed
        long[] templates = content > 0 ? templateKeys(settings.template(), features) : new long[0];
        return new RequestIndicators(accountHash(id.accountId()), values, templates,
                templates.length == 0 ? null : features.sketch(), client, network, content, conversation,
                id.accountCreated() == null ? Long.MIN_VALUE : id.accountCreated().toEpochMilli(),
                features.maxOutputTokens());
    }

    private static long value(IndicatorKind kind, IndicatorSettings s, ClientIdentity id, RequestFeatures f) {
        return switch (kind) {
            case PAYMENT -> text(kind, id.paymentFingerprint());
            case ORG -> text(kind, id.orgId());
            case CLIENT -> id.clientJa4() == null && id.userAgent() == null ? 0
                    : text(kind, (id.clientJa4() == null ? "" : id.clientJa4()) + '\n'
                            + (id.userAgent() == null ? "" : id.userAgent()));
            case NETWORK -> network(id.clientIp());
            case CREATED -> id.accountCreated() == null ? 0
                    : mix(kind, Math.floorDiv(id.accountCreated().toEpochMilli(), (long) s.param("window")));
            case SYSTEM_PROMPT -> f.systemPromptHash() == 0 ? 0 : mix(kind, f.systemPromptHash());
            case TIMING -> 0; // known only from the account's history, at decision time
        };
    }

    /** The key of a cadence bucket (mean gap, in steps of 25%) for the {@link IndicatorKind#TIMING} indicator. */
    static long cadence(double meanGapMillis) {
        long step = Math.round(Math.log(Math.max(1.0, meanGapMillis)) / Math.log(1.25));
        return mix(IndicatorKind.TIMING, step);
    }

    static long[] templateKeys(TemplateSettings t, RequestFeatures f) {
        byte[] sketch = f.sketch();
        if (sketch == null || f.promptTokens() < t.minWords()) {
            return new long[0];
        }
        long[] keys = new long[BANDS];
        for (int b = 0; b < BANDS; b++) {
            int v = 0;
            for (int r = 0; r < ROWS; r++) {
                v = (v << PromptSketch.BITS_PER_COMPONENT) | PromptSketch.component(sketch, 0, b * ROWS + r);
            }
            keys[b] = nonZero(HASH.hashIntIntIntToLong(TEMPLATE_TAG, b, v));
        }
        return keys;
    }

    private static long network(String ip) {
        if (ip == null) {
            return 0;
        }
        long v4 = dottedQuadPrefix(ip);
        if (v4 >= 0) {
            return mix(IndicatorKind.NETWORK, v4);
        }
        return IpAddresses.parse(ip).map(Indicators::prefixKey).orElse(0L);
    }

    /** The /24 of a plain dotted-quad address as a number, or -1 for anything else (then parsed in full). */
    static long dottedQuadPrefix(String ip) {
        long prefix = 0;
        int octet = -1;
        int dots = 0;
        for (int i = 0, n = ip.length(); i < n; i++) {
            char c = ip.charAt(i);
            if (c >= '0' && c <= '9') {
                octet = (octet < 0 ? 0 : octet * 10) + (c - '0');
                if (octet > 255) {
                    return -1;
                }
            } else if (c == '.' && octet >= 0 && dots < 3) {
                prefix = (prefix << 8) | octet;
                dots++;
                octet = -1;
            } else {
                return -1;
            }
        }
        return dots == 3 && octet >= 0 ? prefix : -1;
    }

    private static long prefixKey(InetAddress address) {
        byte[] b = address.getAddress();
        long prefix;
        if (b.length == 4) { // IPv4 written another way (IPv4-mapped IPv6, ...): same key as the dotted quad
            prefix = ((b[0] & 0xFFL) << 16) | ((b[1] & 0xFFL) << 8) | (b[2] & 0xFFL);
        } else {
            prefix = 1L << 48;
            for (int i = 0; i < 6; i++) {
                prefix |= (b[i] & 0xFFL) << (8 * (5 - i));
            }
        }
        return mix(IndicatorKind.NETWORK, prefix);
    }

    private static long text(IndicatorKind kind, String value) {
        return value == null || value.isEmpty() ? 0 : mix(kind, HASH.hashCharsToLong(value));
    }

    private static long mix(IndicatorKind kind, long value) {
        return nonZero(HASH.hashIntLongToLong(kind.ordinal(), value));
    }

    private static long nonZero(long h) {
        return h == 0 ? 1 : h;
    }
}
