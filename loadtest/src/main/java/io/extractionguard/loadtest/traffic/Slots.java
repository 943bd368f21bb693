package io.extractionguard.loadtest.traffic;

import java.util.function.UnaryOperator;

/** Fills {@code {slot}} placeholders in text patterns. */
final class Slots {

    private Slots() {
    }

    /** {@code pattern} with every {@code {name}} replaced by {@code value.apply(name)}, evaluated per occurrence. */
    static String fill(String pattern, UnaryOperator<String> value) {
        StringBuilder out = new StringBuilder(pattern.length() + 64);
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            int end = c == '{' ? pattern.indexOf('}', i) : -1;
            if (end < 0) {
                out.append(c);
                i++;
                continue;
            }
            out.append(value.apply(pattern.substring(i + 1, end)));
            i = end + 1;
        }
        return out.toString();
    }

    static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
