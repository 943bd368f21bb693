package io.extractionguard.engine.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.extractionguard.engine.decision.IdentityResolver;

class IdentityResolverTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private final IdentityResolver resolver = new IdentityResolver(KEY,
            List.of(Cidr.parse("10.0.0.0/8").orElseThrow(), Cidr.parse("::1/128").orElseThrow()));

    private ClientIdentity resolve(Map<String, String> headers, String peer) {
        return resolver.resolve(headers::get, peer);
    }

    @Test
    void trustedProxyHeadersEstablishAccountAndEnrichment() {
        ClientIdentity id = resolve(Map.of("x-account-id", "acct-42", "x-org-id", "org-7", "x-account-tier", "Pro",
                "x-account-created", "2026-01-02T03:04:05Z", "x-payment-fingerprint", "pf-1", "x-client-ja4",
                "t13d1516h2_8daaf6152771_b0da82dd1658", "x-api-key", "sk-live-abc"), "10.1.2.3");
        assertThat(id.accountId()).isEqualTo("acct-42");
        assertThat(id.source()).isEqualTo(ClientIdentity.Source.TRUSTED_HEADER);
        assertThat(id.orgId()).isEqualTo("org-7");
        assertThat(id.tier()).isEqualTo("pro");
        assertThat(id.accountCreated()).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(id.paymentFingerprint()).isEqualTo("pf-1");
        assertThat(id.clientJa4()).startsWith("t13d");
        assertThat(id.credentialHash()).hasSize(32).doesNotContain("sk-live-abc");
    }

    @Test
    void identityHeadersFromAnUntrustedPeerAreIgnoredAndTheKeyHashDecides() {
        ClientIdentity id = resolve(Map.of("x-account-id", "acct-victim", "x-account-tier", "enterprise",
                "x-api-key", "sk-live-abc"), "198.51.100.9");
        assertThat(id.accountId()).startsWith("key-").doesNotContain("victim");
        assertThat(id.source()).isEqualTo(ClientIdentity.Source.CREDENTIAL);
        assertThat(id.tier()).isNull();
        assertThat(id.strippedHeaders()).isEqualTo(2);
    }

    @Test
    void canonicalIpv4AddressesAreReadAsTheFullParserReadsThem() {
        List<String> spellings = List.of("1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.2", "203.0.113.5",
                "256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4 ",
                "1.2.3.4:80", "1.2.3.1000", "0x1.2.3.4", "::1", "::ffff:1.2.3.4", "a.b.c.d", "", "1.2.3.4a", "00.0.0.0");
        for (String s : spellings) {
            long fast = IpAddresses.canonicalIpv4(s);
            var full = IpAddresses.parse(s);
            if (fast >= 0) {
                assertThat(full).as(s).isPresent();
                assertThat(full.get().getHostAddress()).as(s).isEqualTo(s);
                byte[] b = full.get().getAddress();
                assertThat(fast).as(s).isEqualTo((b[0] & 0xFFL) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF));
                for (String cidr : List.of("0.0.0.0/0", "10.0.0.0/8", "1.2.3.4/32", "1.2.2.0/23", "203.0.113.0/25", "::/0")) {
                    Cidr network = Cidr.parse(cidr).orElseThrow();
                    assertThat(network.containsIpv4(fast)).as(s + " in " + cidr).isEqualTo(network.contains(full.get()));
                }
            }
        }
        assertThat(spellings.stream().filter(s -> IpAddresses.canonicalIpv4(s) >= 0))
                .containsExactly("1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.2", "203.0.113.5");
        // other spellings still take the full parser: a padded hop with a leading zero is read as 10.0.0.1 (trusted,
        // and the walk's end), in the parser's text, not as sent
        assertThat(resolve(Map.of("x-forwarded-for", " 010.0.0.1 ,  10.0.0.2"), "10.0.0.3").clientIp()).isEqualTo("10.0.0.1");
        assertThat(resolve(Map.of("x-forwarded-for", "[::1]:443, 10.0.0.2"), "10.0.0.3").clientIp()).isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void keyedHashIsStableForTheKeyAndDiffersUnderAnotherKey() {
        ClientIdentity a = resolve(Map.of("authorization", "Bearer sk-live-abc"), "198.51.100.9");
        ClientIdentity b = resolve(Map.of("x-api-key", "sk-live-abc"), "203.0.113.1");
        assertThat(a.accountId()).isEqualTo(b.accountId());
        IdentityResolver other = new IdentityResolver("another-key-of-sixteen-bytes".getBytes(StandardCharsets.UTF_8), List.of());
        assertThat(other.resolve(Map.of("x-api-key", "sk-live-abc")::get, "1.2.3.4").accountId()).isNotEqualTo(a.accountId());
    }

    @Test
    void aResolverRememberingCredentialHashesGivesEveryKeyTheSameHashAsOneThatDoesNot() {
        IdentityResolver remembering = resolver.rememberingCredentialHashes(2); // fewer than the keys: evictions too
        for (int round = 0; round < 3; round++) {
            for (String key : List.of("sk-live-abc", "sk-live-def", "sk-live-ghi", "sk-live-abc")) {
                Map<String, String> headers = Map.of("x-api-key", key);
                assertThat(remembering.resolve(headers::get, "198.51.100.9").credentialHash())
                        .isEqualTo(resolve(headers, "198.51.100.9").credentialHash());
            }
        }
        assertThat(remembering.resolve(Map.of("x-api-key", "sk-live-abc")::get, "198.51.100.9").credentialHash())
                .isNotEqualTo(remembering.resolve(Map.of("x-api-key", "sk-live-def")::get, "198.51.100.9").credentialHash());
    }

    @Test
    void withoutCredentialTheAccountIsAnonymousPerClientAddress() {
        ClientIdentity a = resolve(Map.of(), "198.51.100.9");
        ClientIdentity b = resolve(Map.of(), "198.51.100.10");
        assertThat(a.source()).isEqualTo(ClientIdentity.Source.ANONYMOUS);
        assertThat(a.accountId()).startsWith("anon-").isNotEqualTo(b.accountId());
    }

    @Test
    void forwardedForIsWalkedRightToLeftThroughTrustedHopsOnly() {
        // client 203.0.113.5 -> spoofed entry claims 1.1.1.1 -> edge 10.0.0.2 -> inner proxy 10.0.0.3 -> us
        ClientIdentity id = resolve(Map.of("x-forwarded-for", "1.1.1.1, 203.0.113.5, 10.0.0.2"), "10.0.0.3");
        assertThat(id.clientIp()).isEqualTo("203.0.113.5");
        // an untrusted peer's x-forwarded-for is ignored entirely
        assertThat(resolve(Map.of("x-forwarded-for", "1.1.1.1"), "198.51.100.9").clientIp()).isEqualTo("198.51.100.9");
        // garbage stops the walk at the last trusted hop
        assertThat(resolve(Map.of("x-forwarded-for", "evil.example, 10.0.0.2"), "10.0.0.3").clientIp()).isEqualTo("10.0.0.2");
    }

    @Test
    void malformedIdentityValuesAreDroppedNotTrusted() {
        ClientIdentity id = resolve(Map.of("x-account-id", "acct 1\r\nx-admin: true", "x-account-created", "yesterday",
                "x-org-id", "o".repeat(500), "user-agent", "curl\u0000/8"), "10.0.0.1");
        assertThat(id.source()).isEqualTo(ClientIdentity.Source.ANONYMOUS);
        assertThat(id.accountCreated()).isNull();
        assertThat(id.orgId()).isNull();
        assertThat(id.userAgent()).isNull();
        assertThat(id.strippedHeaders()).isEqualTo(4);
    }

    @Test
    void ipv6PeersAndPrefixesAreHandledWithoutDnsLookups() {
        assertThat(resolver.isTrusted("::1")).isTrue();
        assertThat(resolver.isTrusted("localhost")).isFalse();
        assertThat(IpAddresses.networkPrefix("2001:db8:abcd:12::1")).contains("2001:0db8:abcd::/48");
        assertThat(IpAddresses.networkPrefix("203.0.113.77")).contains("203.0.113.0/24");
        assertThat(IpAddresses.parse("example.com")).isEmpty();
    }
}
