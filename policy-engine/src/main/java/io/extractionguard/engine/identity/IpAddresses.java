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
