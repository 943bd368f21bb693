package io.extractionguard.engine.intel;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.extractionguard.engine.features.PromptSketch;
import io.extractionguard.engine.identity.Cidr;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.IpAddresses;

/**
 * Imported indicators arranged for matching on the request path: hash lookups for fingerprints,
 * a list scan for networks and template sketches (imports are small: thousands, not millions).
 * Immutable; replaced as a whole when indicators are imported or expire.
 */
public final class IndicatorIndex {

    /** A match: the indicator that matched, for explanations and audit. */
    public record Match(Indicator indicator) {
    }

    public static final IndicatorIndex EMPTY = new IndicatorIndex(List.of(), 0.8);

    private final List<Indicator> all;
    private final Map<String, Indicator> payments = new HashMap<>();
    private final Map<String, Indicator> ja4 = new HashMap<>();
    private final List<Map.Entry<Cidr, Indicator>> networks = new ArrayList<>();
    private final List<Map.Entry<byte[], Indicator>> templates = new ArrayList<>();
    private final double templateSimilarity;

    public IndicatorIndex(List<Indicator> indicators, double templateSimilarity) {
        this.all = List.copyOf(indicators);
        this.templateSimilarity = templateSimilarity;
        for (Indicator i : indicators) {
            switch (i.kind()) {
                case PAYMENT_FINGERPRINT -> payments.merge(i.value(), i, IndicatorIndex::stronger);
                case CLIENT_JA4 -> ja4.merge(i.value(), i, IndicatorIndex::stronger);
                case IP_PREFIX -> Cidr.parse(i.value()).ifPresent(c -> networks.add(Map.entry(c, i)));
                case PROMPT_TEMPLATE -> PromptSketch.fromText(i.value()) // another sketch version's: never compared
                        .ifPresent(sketch -> templates.add(Map.entry(sketch, i)));
            }
        }
    }

    public List<Indicator> indicators() {
        return all;
    }

    /** The strongest valid indicator matching this caller or prompt, if any. */
    public Optional<Match> match(ClientIdentity id, byte[] sketch, Instant now) {
        Indicator best = null;
        if (id.paymentFingerprint() != null) {
            best = stronger(best, valid(payments.get(id.paymentFingerprint()), now));
        }
        if (id.clientJa4() != null) {
            best = stronger(best, valid(ja4.get(id.clientJa4()), now));
        }
        if (!networks.isEmpty() && id.clientIp() != null) {
            Optional<InetAddress> ip = IpAddresses.parse(id.clientIp());
            if (ip.isPresent()) {
                for (Map.Entry<Cidr, Indicator> n : networks) {
                    if (n.getKey().contains(ip.get())) {
                        best = stronger(best, valid(n.getValue(), now));
                    }
                }
            }
        }
        if (sketch != null) {
            for (Map.Entry<byte[], Indicator> t : templates) {
                if (PromptSketch.similarity(t.getKey(), sketch) >= templateSimilarity) {
                    best = stronger(best, valid(t.getValue(), now));
                }
            }
        }
        return Optional.ofNullable(best).map(Match::new);
    }

    /** The same indicators without those expired at {@code now}. */
    public IndicatorIndex withoutExpired(Instant now) {
        return new IndicatorIndex(all.stream().filter(i -> i.isValidAt(now) || now.isBefore(i.validFrom())).toList(),
                templateSimilarity);
    }

    private static Indicator valid(Indicator i, Instant now) {
        return i != null && i.isValidAt(now) ? i : null;
    }

    private static Indicator stronger(Indicator a, Indicator b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return b.confidence() > a.confidence() ? b : a;
    }
}
