package io.extractionguard.loadtest.traffic;

import java.util.ArrayList;
import java.util.List;

import io.extractionguard.loadtest.traffic.Request.Api;

/**
 * Where traffic comes from: client software (TLS fingerprint, user agent, the API it speaks) and
 * network addresses (home broadband, mobile carrier NAT pools shared by many users, office NAT,
 * cloud ranges, rotating residential proxies).
 */
final class Infra {

    /** A client stack: what the edge sees of it, and the API dialect it speaks. */
    record Client(String name, String ja4, String userAgent, Api api, String model) {
    }

    // TLS stacks: clients built on the same stack share the JA4, whatever their user agent.
    static final String JA4_PYTHON = "t13d1812h2_85036bcba153_b26ce05bbdaa";
    static final String JA4_NODE = "t13d1516h2_8daaf6152771_02713d6af862";
    static final String JA4_GO = "t13d1311h2_f57a46bbacb6_e7c285222651";
    static final String JA4_JAVA = "t13d1413h2_6e8a0d0e4f52_d1d34bd0b61a";
    static final String JA4_CURL = "t13d3112h2_e8f1e7e78f70_6bebaf5329ac";
    static final String JA4_RUST = "t13d0911h2_9dc949149365_97f8aa674fd9";

    /** Client software of ordinary API users, with how common each is. */
    static final List<Client> ORGANIC_CLIENTS = List.of(
            new Client("anthropic-python", JA4_PYTHON, "Anthropic/Python 0.40.0", Api.ANTHROPIC, "claude-sonnet-4-5"),
            new Client("anthropic-python-old", JA4_PYTHON, "Anthropic/Python 0.34.2", Api.ANTHROPIC, "claude-sonnet-4-5"),
            new Client("anthropic-ts", JA4_NODE, "Anthropic/JS 0.32.1", Api.ANTHROPIC, "claude-haiku-4-5"),
            new Client("openai-python", JA4_PYTHON, "OpenAI/Python 1.57.0", Api.CHAT, "gpt-4.1"),
            new Client("openai-python-responses", JA4_PYTHON, "OpenAI/Python 1.57.0", Api.RESPONSES, "gpt-4.1"),
            new Client("openai-node", JA4_NODE, "OpenAI/NodeJS/4.73.0", Api.CHAT, "gpt-4.1-mini"),
            new Client("langchain", JA4_PYTHON, "langchain-anthropic/0.3.1 Anthropic/Python 0.40.0", Api.ANTHROPIC, "claude-sonnet-4-5"),
            new Client("curl", JA4_CURL, "curl/8.5.0", Api.ANTHROPIC, "claude-haiku-4-5"),
            new Client("go-app", JA4_GO, "Go-http-client/2.0", Api.CHAT, "gpt-4.1-mini"),
            new Client("java-sdk", JA4_JAVA, "anthropic-java/1.2.0", Api.ANTHROPIC, "claude-sonnet-4-5"),
            new Client("httpx", JA4_PYTHON, "python-httpx/0.27.2", Api.CHAT, "gpt-4.1"),
            new Client("axios", JA4_NODE, "axios/1.7.9", Api.RESPONSES, "gpt-4.1-mini"),
            new Client("rust-app", JA4_RUST, "reqwest/0.12", Api.ANTHROPIC, "claude-haiku-4-5"));
    static final double[] ORGANIC_WEIGHTS = {22, 6, 8, 20, 6, 9, 5, 3, 4, 3, 7, 4, 3};

    static Client organicClient(Rng rng) {
        return ORGANIC_CLIENTS.get(rng.weighted(ORGANIC_WEIGHTS));
    }

    private static final int[] HOME_FIRST_OCTETS = {24, 47, 50, 66, 67, 68, 69, 71, 73, 75, 76, 81, 82, 84, 86, 88, 90,
            92, 94, 98, 99, 108, 109, 151, 174, 176, 178, 185, 188, 189, 190, 201};
    private static final int[] CLOUD_FIRST_OCTETS = {3, 13, 18, 34, 35, 44, 52, 54, 20, 40, 51, 65, 95, 104, 138, 139,
            142, 143, 157, 159, 161, 164, 165, 167, 172, 178, 188};

    /** A home broadband address (distinct /24s across users). */
    static String homeAddress(Rng rng) {
        if (rng.chance(0.12)) {
            return String.format("2a02:%x:%x:%x::%x", rng.between(0x1000, 0xffff), rng.between(0, 0xffff),
                    rng.between(0, 0xffff), rng.between(1, 0xffff));
        }
        return rng.pick(toStrings(HOME_FIRST_OCTETS)) + "." + rng.between(0, 255) + "." + rng.between(0, 255) + "."
                + rng.between(1, 254);
    }

    /** A /24 in a cloud provider's range, as "a.b.c." (append a host number). */
    static String cloudPrefix(Rng rng) {
        return rng.pick(toStrings(CLOUD_FIRST_OCTETS)) + "." + rng.between(0, 255) + "." + rng.between(0, 255) + ".";
    }

    /** A mobile carrier's NAT pools: a few /24s that thousands of subscribers share. */
    static List<String> carrierPools(Rng rng, int count) {
        List<String> pools = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pools.add(rng.pick(toStrings(HOME_FIRST_OCTETS)) + "." + rng.between(0, 255) + "." + rng.between(0, 255) + ".");
        }
        return pools;
    }

    private static String[] toStrings(int[] v) {
        String[] s = new String[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = Integer.toString(v[i]);
        }
        return s;
    }

    private Infra() {
    }
}
