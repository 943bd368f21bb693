package io.extractionguard.loadtest.gatling;

import java.time.Duration;

/**
 * Simulation parameters, from system properties ({@code -Dname=value}, passed through by
 * {@code ./guard loadtest} and the Gatling Maven plugin):
 *
 * <pre>
 * target.url        http://127.0.0.1:8080   the gateway
 * warmup            10s                     organic ramp before the measured populations (not asserted on)
 * duration          60s                     how long the measured requests are injected (s, ms or m suffix)
 * organic.rate      20                      organic requests per second (open model)
 * campaign.rate     10                      campaign requests per second (open model)
 * organic.accounts  2000                    distinct organic accounts (x-account-id, pro tier)
 * campaign.accounts 8                       accounts the campaign rotates through
 * campaign.templates 3                      prompt templates the campaign fills in
 * p99.ms            1000                    bound on the 99th percentile of organic response times
 * seed              1                       prompt and account choice
 * </pre>
 */
record LoadSettings(String targetUrl, Duration warmup, Duration duration, double organicRate, double campaignRate,
                    int organicAccounts, int campaignAccounts, int campaignTemplates, int p99Millis, long seed) {

    static LoadSettings fromSystemProperties() {
        return new LoadSettings(
                System.getProperty("target.url", "http://127.0.0.1:8080"),
                duration(System.getProperty("warmup", "10s")),
                duration(System.getProperty("duration", "60s")),
                Double.parseDouble(System.getProperty("organic.rate", "20")),
                Double.parseDouble(System.getProperty("campaign.rate", "10")),
                Integer.parseInt(System.getProperty("organic.accounts", "2000")),
                Integer.parseInt(System.getProperty("campaign.accounts", "8")),
                Integer.parseInt(System.getProperty("campaign.templates", "3")),
                Integer.parseInt(System.getProperty("p99.ms", "1000")),
                Long.parseLong(System.getProperty("seed", "1")));
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(t.endsWith("s") ? t.substring(0, t.length() - 1) : t));
    }
}
