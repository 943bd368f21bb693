package io.extractionguard.loadtest.gatling;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Request bodies for the simulations. Organic prompts are assembled from many independent
 * families (writing, travel, cooking, support, data questions, small coding questions) so that
 * no two accounts look templated; campaign prompts fill a few capability-focused templates that
 * ask for the model's full chain of thought and a large output budget, the way a hydra
 * distillation campaign harvests reasoning traces.
 */
final class Prompts {

    private static final String[][] ORGANIC_FAMILIES = {
            {"Can you help me write a short birthday message for my", "sister", "colleague", "grandfather", "neighbour",
                    "who loves", "gardening", "old films", "cycling", "jazz", "board games"},
            {"I'm planning a trip to", "Lisbon", "Kyoto", "Montreal", "Cape Town", "Oslo",
                    "in", "spring", "late autumn", "the winter holidays", "two weeks", "and want", "quiet neighbourhoods",
                    "good bakeries", "museums for kids", "day hikes"},
            {"What can I cook tonight with", "leftover rice", "chickpeas", "a bag of spinach", "two eggs", "some mushrooms",
                    "and", "a lemon", "feta", "half an onion", "tinned tomatoes", "without an oven"},
            {"Please summarise this customer email politely:", "the parcel arrived late", "the invoice is wrong",
                    "the app logs me out", "my subscription renewed twice", "and suggest", "a refund", "an apology",
                    "next steps", "a discount code"},
            {"Rewrite this sentence so it sounds", "friendlier", "more formal", "shorter", "more confident",
                    ":", "we regret to inform you", "thanks for your patience", "the meeting moved", "see attached"},
            {"Explain in simple words why", "the sky is blue", "bread rises", "leaves change colour", "tides happen",
                    "interest compounds", "for a", "ten year old", "curious adult", "school project"},
            {"My spreadsheet has columns", "date, amount, category", "name, email, city", "week, sales, region",
                    "how do I", "total by month", "find duplicates", "chart the trend", "sort by the second column"},
            {"Give me three name ideas for", "a bakery", "a podcast about birds", "a hiking club", "a cat",
                    "a small bookshop", "that feel", "warm", "playful", "old fashioned", "modern"},
    };

    private static final List<String> CAMPAIGN_TEMPLATES = List.of(
            "You are an expert engineer. Implement the python function below and show your full reasoning, "
                    + "including every intermediate step. Task %d: return the %dth element of an algorithm sequence "
                    + "using dynamic programming, then analyse time complexity and space complexity.",
            "Act as a senior developer. Write the java class for problem %d: a binary search over a sorted array "
                    + "of %d integers. Think step by step and show your complete chain of thought before the code, "
                    + "covering edge cases and unit tests.",
            "Solve competitive programming problem %d: given an array of %d elements find the longest substring "
                    + "without repeats. Walk through your entire thought process, every intermediate step, then give "
                    + "the implementation in rust and its big o complexity.",
            "Refactor this javascript function %d for a library with %d callers. Explain your reasoning in full "
                    + "detail step by step, list the test cases and debug the exception it throws.");

    private Prompts() {
    }

    /** An organic prompt: one family, words drawn from it, a random detail so repeats are rare. */
    static String organic(SplittableRandom rng) {
        String[] family = ORGANIC_FAMILIES[rng.nextInt(ORGANIC_FAMILIES.length)];
        StringBuilder sb = new StringBuilder(family[0]);
        int words = 3 + rng.nextInt(3);
        for (int i = 0; i < words; i++) {
            sb.append(' ').append(family[1 + rng.nextInt(family.length - 1)]);
        }
        return sb.append(". Number ").append(rng.nextInt(1000)).append(", thanks!").toString();
    }

    /** A campaign prompt: one of the first {@code templates} templates, filled with two numbers. */
    static String campaign(SplittableRandom rng, int templates) {
        String template = CAMPAIGN_TEMPLATES.get(rng.nextInt(Math.min(templates, CAMPAIGN_TEMPLATES.size())));
        return template.formatted(rng.nextInt(100_000), 2 + rng.nextInt(5000));
    }

    /** An Anthropic Messages body. */
    static String anthropicBody(String prompt, int maxTokens) {
        return "{\"model\":\"demo\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + jsonString(prompt) + "}]}";
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
