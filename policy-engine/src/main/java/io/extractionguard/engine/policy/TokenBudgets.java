package io.extractionguard.engine.policy;

import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.nodes.Node;

import io.extractionguard.engine.limits.TokenBudget;

/** Reads a tier's token-budget keys ({@code input-tokens-per-minute}, …); see docs/policy.md. */
final class TokenBudgets {

    static final String INPUT_PER_MINUTE = "input-tokens-per-minute";
    static final String INPUT_PER_DAY = "input-tokens-per-day";
    static final String OUTPUT_PER_MINUTE = "output-tokens-per-minute";
    static final String OUTPUT_PER_DAY = "output-tokens-per-day";
    static final String DEFAULT_OUTPUT_RESERVE = "default-max-output-tokens";
    static final List<String> KEYS = List.of(INPUT_PER_MINUTE, INPUT_PER_DAY, OUTPUT_PER_MINUTE, OUTPUT_PER_DAY,
            DEFAULT_OUTPUT_RESERVE);
    private static final long MAX_TOKENS = 1_000_000_000_000L;

    private TokenBudgets() {
    }

    /** The tier's budget ({@link TokenBudget#NONE} when it sets no token key), or null after an error. */
    static TokenBudget read(YamlReader r, Map<String, Node> tier, String path) {
        Long inMinute = amount(r, tier, path, INPUT_PER_MINUTE);
        Long inDay = amount(r, tier, path, INPUT_PER_DAY);
        Long outMinute = amount(r, tier, path, OUTPUT_PER_MINUTE);
        Long outDay = amount(r, tier, path, OUTPUT_PER_DAY);
        Long reserve = tier.containsKey(DEFAULT_OUTPUT_RESERVE)
                ? r.integer(tier.get(DEFAULT_OUTPUT_RESERVE), path + "." + DEFAULT_OUTPUT_RESERVE, 1, MAX_TOKENS)
                : Long.valueOf(TokenBudget.DEFAULT_OUTPUT_RESERVE);
        boolean ok = dayCoversMinute(r, tier, path, INPUT_PER_MINUTE, inMinute, INPUT_PER_DAY, inDay)
                & dayCoversMinute(r, tier, path, OUTPUT_PER_MINUTE, outMinute, OUTPUT_PER_DAY, outDay);
        if (!ok || inMinute == null || inDay == null || outMinute == null || outDay == null || reserve == null) {
            return null;
        }
        return new TokenBudget(inMinute, inDay, outMinute, outDay, reserve);
    }

    private static Long amount(YamlReader r, Map<String, Node> tier, String path, String key) {
        return tier.containsKey(key) ? r.integer(tier.get(key), path + "." + key, 0, MAX_TOKENS) : Long.valueOf(0);
    }

    private static boolean dayCoversMinute(YamlReader r, Map<String, Node> tier, String path, String minuteKey,
                                           Long perMinute, String dayKey, Long perDay) {
        if (perMinute != null && perDay != null && perMinute > 0 && perDay > 0 && perDay < perMinute) {
            r.error(tier.get(dayKey), path + "." + dayKey,
                    "must be at least " + minuteKey + " (" + perMinute + "), was " + perDay);
            return false;
        }
        return true;
    }
}
