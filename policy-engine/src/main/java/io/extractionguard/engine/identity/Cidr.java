package io.extractionguard.engine.identity;

import java.net.InetAddress;
import java.util.Optional;

/** An IP network such as {@code 10.0.0.0/8} or {@code ::1/128}. */
public record Cidr(byte[] network, int prefixLength, String text) {

    /** Parses {@code a.b.c.d/n}, {@code v6/n}, or a bare address (a host network). */
    public static Optional<Cidr> parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        Optional<InetAddress> address = IpAddresses.parse(slash < 0 ? s : s.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = address.get().getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (prefix < 0 || prefix > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new Cidr(bytes, prefix, s));
    }

    public boolean contains(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (b[full] & mask) == (network[full] & mask);
    }

    /** Whether the IPv4 address {@code address} (unsigned 32-bit value, {@link IpAddresses#canonicalIpv4}) is in this network. */
    public boolean containsIpv4(long address) {
        if (network.length != 4) {
            return false;
        }
        long net = (network[0] & 0xFFL) << 24 | (network[1] & 0xFF) << 16 | (network[2] & 0xFF) << 8 | (network[3] & 0xFF);
        long mask = prefixLength == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefixLength)) & 0xFFFF_FFFFL;
        return (address & mask) == (net & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
