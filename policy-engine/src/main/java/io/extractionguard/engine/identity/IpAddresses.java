package io.extractionguard.engine.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** IP literal handling that never triggers a DNS lookup. */
public final class IpAddresses {

    private IpAddresses() {
    }

    /** Parses an IPv4 or IPv6 literal (optionally bracketed, optionally with an IPv4 port); empty otherwise. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                return Optional.empty();
            }
            s = s.substring(1, end);
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':') && s.indexOf('.') > 0) {
            s = s.substring(0, s.indexOf(':')); // "1.2.3.4:5678"
        }
        if (s.isEmpty() || s.length() > 45 || !looksLikeLiteral(s)) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(s)); // a literal: no resolution happens
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * The address of {@code s} when it is an IPv4 address in canonical dotted-quad form (four decimal octets up
     * to 255 without leading zeros, nothing around them), as an unsigned 32-bit value; -1 otherwise. For such
     * text, {@link #parse} gives the same address and its {@code getHostAddress()} is {@code s} itself: callers
     * take this path for the common case and {@link #parse} for every other spelling.
     */
    public static long canonicalIpv4(String s) {
        int n = s.length();
        if (n < 7 || n > 15) {
            return -1;
        }
        long value = 0;
        int octet = 0;
        int digits = 0;
        int dots = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (digits == 1 && octet == 0) {
                    return -1; // a leading zero
                }
                octet = octet * 10 + (c - '0');
                if (++digits > 3 || octet > 255) {
                    return -1;
                }
            } else if (c == '.' && digits > 0 && dots < 3) {
                value = value << 8 | octet;
                octet = 0;
                digits = 0;
                dots++;
            } else {
                return -1;
            }
        }
        return dots == 3 && digits > 0 ? value << 8 | octet : -1;
    }

    private static boolean looksLikeLiteral(String s) {
        boolean colon = s.indexOf(':') >= 0;
        int dots = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c == ':') {
                continue;
            } else if (c >= '0' && c <= '9') {
                continue;
            } else if (colon && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                continue;
            } else {
                return false;
            }
        }
        return colon || dots == 3;
    }

    /**
     * The network prefix used to group addresses: /24 for IPv4, /48 for IPv6, as text
     * ("203.0.113.0/24"). Empty for an unparsable address.
     */
    public static Optional<String> networkPrefix(String address) {
        return parse(address).map(a -> {
            byte[] b = a.getAddress();
            if (b.length == 4) {
                return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + ".0/24";
            }
            return String.format("%02x%02x:%02x%02x:%02x%02x::/48", b[0], b[1], b[2], b[3], b[4], b[5]);
        });
    }
}
