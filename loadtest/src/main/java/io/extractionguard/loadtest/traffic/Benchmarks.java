package io.extractionguard.loadtest.traffic;

/**
 * Prompts of an evaluation harness: multiple-choice questions with a fixed few-shot prefix per
 * subject, grade-school word problems with a fixed chain of examples, and function-completion
 * tasks. Heavily templated by construction, answered with short outputs at temperature 0.
 */
final class Benchmarks {

    private Benchmarks() {
    }

    enum Suite { MULTIPLE_CHOICE, WORD_PROBLEMS, CODE_COMPLETION }

    private static final String[] SUBJECTS = {"high school biology", "college chemistry", "world history",
            "professional law", "econometrics", "astronomy", "moral scenarios", "nutrition", "formal logic",
            "computer security", "clinical knowledge", "marketing"};
    private static final String[] STEMS = {"Which of the following best describes {x}?", "Which statement about {x} is correct?",
            "What is the primary function of {x}?", "Which of the following is NOT an example of {x}?",
            "A researcher observes {x}. What is the most likely explanation?", "Which factor most strongly influences {x}?"};
    private static final String[] CONCEPTS = {"the mitochondria", "a covalent bond", "the Treaty of Westphalia", "hearsay evidence",
            "heteroskedasticity", "a red giant", "utilitarian reasoning", "dietary fibre", "modus tollens", "a buffer overflow",
            "tachycardia", "price elasticity", "an enzyme inhibitor", "the Bretton Woods system", "a null hypothesis",
            "a public key certificate", "ocean acidification", "a tort", "a supernova", "opportunity cost"};
    private static final String[] OPTIONS = {"it increases the rate of the reaction", "it was signed in 1648",
            "it is inadmissible unless an exception applies", "the variance of the errors is not constant",
            "it stores energy as ATP", "it lowers the activation energy", "it overwrites adjacent memory",
            "demand falls as price rises", "it is the region where fusion stops", "it shifts the supply curve",
            "none of the above", "all of the above", "it depends on temperature only", "it binds to the active site"};

    /** The fixed few-shot prefix of a subject: identical for every question in it. */
    private static String fewShot(String subject) {
        Rng fixed = new Rng(subject.hashCode());
        StringBuilder b = new StringBuilder("The following are multiple choice questions (with answers) about ")
                .append(subject).append(".\n\n");
        for (int i = 0; i < 5; i++) {
            b.append(question(fixed)).append(" ").append("ABCD".charAt(fixed.nextInt(4))).append("\n\n");
        }
        return b.toString();
    }

    private static String question(Rng rng) {
        StringBuilder b = new StringBuilder(rng.pick(STEMS).replace("{x}", rng.pick(CONCEPTS))).append('\n');
        for (char c = 'A'; c <= 'D'; c++) {
            b.append(c).append(". ").append(rng.pick(OPTIONS)).append('\n');
        }
        return b.append("Answer:").toString();
    }

    private static final String[] WORD = {"{n} has {a} apples and buys {b} bags with {c} apples each. She gives away {d}. How many are left?",
            "A train travels {a} km in {b} hours, then {c} km in {d} hours. What is its average speed?",
            "A shop sells pens at ${a} each and notebooks at ${b} each. {n} buys {c} pens and {d} notebooks. How much does {n} pay?",
            "{n} saves ${a} a week. After {b} weeks {n} spends ${c}. How much is left?",
            "A recipe needs {a} cups of flour for {b} cookies. How many cups for {c} cookies?"};
    private static final String WORD_PREFIX;

    static {
        Rng fixed = new Rng(42);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            b.append("Question: ").append(word(fixed)).append("\nLet's think step by step.\nAnswer: ")
                    .append(fixed.between(2, 400)).append("\n\n");
        }
        WORD_PREFIX = b.toString();
    }

    private static String word(Rng rng) {
        return rng.pick(WORD).replace("{n}", rng.pick(new String[]{"Maria", "Tom", "Aisha", "Kenji", "Lena", "Omar"}))
                .replace("{a}", Integer.toString(rng.between(2, 90))).replace("{b}", Integer.toString(rng.between(2, 12)))
                .replace("{c}", Integer.toString(rng.between(2, 30))).replace("{d}", Integer.toString(rng.between(1, 9)));
    }

    private static final String[] FUNCS = {"has_close_elements", "separate_paren_groups", "truncate_number", "below_zero",
            "mean_absolute_deviation", "intersperse", "parse_nested_parens", "filter_by_substring", "sum_product",
            "rolling_max", "make_palindrome", "string_xor", "longest", "greatest_common_divisor", "all_prefixes"};

    /** One benchmark prompt of the suite. */
    static String prompt(Rng rng, Suite suite) {
        return switch (suite) {
            case MULTIPLE_CHOICE -> {
                String subject = rng.pick(SUBJECTS);
                yield fewShot(subject) + question(rng);
            }
            case WORD_PROBLEMS -> WORD_PREFIX + "Question: " + word(rng) + "\nLet's think step by step.\nAnswer:";
            case CODE_COMPLETION -> {
                String name = rng.pick(FUNCS) + (rng.chance(0.5) ? "" : "_" + rng.between(2, 164));
                yield "Complete the following Python function. Return only the code.\n\n```python\nfrom typing import List\n\n"
                        + "def " + name + "(numbers: List[float], threshold: float) -> bool:\n    \"\"\" "
                        + CodeText.spec(rng) + ".\n    >>> " + name + "([1.0, 2.0, " + rng.between(3, 9) + ".0], 0.5)\n    "
                        + (rng.chance(0.5) ? "False" : "True") + "\n    \"\"\"\n```";
            }
        };
    }

    static int maxTokens(Suite suite) {
        return switch (suite) {
            case MULTIPLE_CHOICE -> 5;
            case WORD_PROBLEMS -> 512;
            case CODE_COMPLETION -> 768;
        };
    }
}
