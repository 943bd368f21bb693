package io.extractionguard.loadtest.traffic;

/**
 * Problem banks a distiller draws from: competitive-programming tasks, competition maths, agentic
 * tasks, long-horizon planning goals and logic puzzles. Each is assembled from parts, so a campaign
 * sends thousands of distinct problems through a handful of templates, as reported campaigns did.
 */
final class Problems {

    private Problems() {
    }

    private static final String[] STRUCTURES = {"an array of n integers", "a string s of lowercase letters",
            "a binary tree with n nodes", "an undirected graph with n nodes and m weighted edges", "an n x m grid of 0s and 1s",
            "a singly linked list", "a list of n intervals [l, r]", "a directed acyclic graph of tasks with durations",
            "a sequence of stock prices", "a set of n points in the plane", "a list of words", "a matrix of heights",
            "a rooted tree where each node has a value", "two strings a and b", "a stream of integers"};
    private static final String[] GOALS = {"find the length of the longest subarray whose sum is divisible by k",
            "count the number of distinct palindromic substrings", "return the minimum cost to connect all nodes",
            "determine whether it can be partitioned into two parts with equal sum", "compute the k-th smallest element after q updates",
            "find the shortest path that visits every marked cell", "return the maximum number of non-overlapping segments",
            "compute the number of ways modulo 10^9+7", "find the lowest common ancestor for q queries",
            "detect whether there is a cycle reachable from node 1", "return the longest increasing subsequence",
            "minimise the maximum load after assigning jobs to k workers", "count pairs whose xor is at most x",
            "find the median after each insertion", "return the minimum number of swaps to sort it",
            "compute the largest rectangle of 1s", "find all bridges", "maximise profit with at most k transactions",
            "compute the edit distance under custom costs", "count the islands after each flip"};
    private static final String[] CONSTRAINTS = {"1 <= n <= 10^5", "1 <= n, m <= 2*10^5", "n <= 5000, values up to 10^9",
            "q <= 10^5 queries", "the answer must run in O(n log n)", "use O(1) extra memory", "k <= 20",
            "values may be negative", "the input may contain duplicates", "time limit 2 seconds"};
    private static final String[] LANGS = {"Python", "C++", "Rust", "Java", "Go", "TypeScript"};

    /** A competitive-programming style task. */
    static String coding(Rng rng) {
        return "Given " + rng.pick(STRUCTURES) + ", " + rng.pick(GOALS) + ". Constraints: " + rng.pick(CONSTRAINTS)
                + "; " + rng.pick(CONSTRAINTS) + ". Example input: " + example(rng) + ".";
    }

    static String language(Rng rng) {
        return rng.pick(LANGS);
    }

    private static String example(Rng rng) {
        StringBuilder b = new StringBuilder("[");
        int n = rng.between(4, 9);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(rng.between(-20, 99));
        }
        return b.append("], k = ").append(rng.between(2, 9)).toString();
    }

    private static final String[] MATH = {
        "Let f(x) = x^{a} - {b}x + {c}. Find the sum of all real x such that f(f(x)) = x.",
        "How many positive integers n <= {big} are there such that n^2 + {a}n + {c} is divisible by {b}?",
        "A bag has {a} red and {b} blue marbles. Three are drawn without replacement. What is the probability that exactly two are red?",
        "Find the number of ordered triples (x, y, z) of positive integers with x + y + z = {big} and x < y < z.",
        "In triangle ABC, AB = {a}, BC = {b}, CA = {c}. Find the length of the angle bisector from A.",
        "Find the remainder when {a}^{big} is divided by {p}.",
        "Solve for all real x: sqrt(x + {a}) + sqrt(x - {b}) = {c}.",
        "Compute the integral of x^{a} * e^(-{b}x) from 0 to infinity.",
        "How many ways can {a} people sit around a round table if two particular people refuse to sit together?",
        "Prove that for every integer n >= {a}, the number {c}^n - 1 is divisible by {b}.",
        "A sequence satisfies a_1 = {a}, a_(n+1) = a_n^2 - {b}. Find a_{c} modulo {p}.",
        "Derive the expected number of rolls of a fair {b}-sided die until the sum exceeds {big}.",
    };
    private static final int[] PRIMES = {7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 97, 101};

    /** A competition-style maths problem. */
    static String math(Rng rng) {
        return rng.pick(MATH).replace("{a}", Integer.toString(rng.between(2, 9)))
                .replace("{b}", Integer.toString(rng.between(3, 15))).replace("{c}", Integer.toString(rng.between(2, 12)))
                .replace("{big}", Integer.toString(rng.between(20, 2025))).replace("{p}", Integer.toString(PRIMES[rng.nextInt(PRIMES.length)]));
    }

    private static final String[] AGENT_TASKS = {"set up continuous integration for the repository in /workspace/{r} and make the failing tests pass",
            "find why the service {r} returns 502 errors under load and fix the configuration",
            "migrate the {r} database from MySQL to PostgreSQL without losing data", "write a scraper that collects the changelog of {r} and summarises breaking changes",
            "upgrade {r} to the latest major version of its web framework and fix every deprecation",
            "reproduce the bug described in issue {n} of {r}, write a regression test and fix it",
            "profile the {r} batch job and cut its runtime in half", "build a CLI that syncs files between two S3 buckets with checksums",
            "investigate the memory leak in {r} using heap dumps and patch it", "configure monitoring and alerting for {r} with Prometheus"};
    private static final String[] REPOS = {"payments-api", "orders-service", "web-frontend", "etl-pipeline", "auth-gateway",
            "inventory", "search-indexer", "notification-worker", "billing", "ml-serving"};

    /** A multi-step agentic task. */
    static String agentic(Rng rng) {
        return rng.pick(AGENT_TASKS).replace("{r}", rng.pick(REPOS)).replace("{n}", Integer.toString(rng.between(100, 9999)));
    }

    private static final String[] PLAN_GOALS = {"launch a B2B SaaS product for {d} in {n} months", "migrate a {d} company's infrastructure to Kubernetes",
            "prepare for the {d} certification exam while working full time", "open a second restaurant location in {d}",
            "build a research lab studying {d} from scratch", "reduce a {d} startup's cloud costs by 40 percent",
            "train a team of {n} junior engineers in {d}", "run a city-wide {d} campaign over {n} months",
            "write and publish a textbook on {d}", "restructure a {d} nonprofit after losing its main donor"};
    private static final String[] DOMAINS = {"logistics", "healthcare", "fintech", "renewable energy", "education", "retail",
            "biotech", "agriculture", "cybersecurity", "gaming"};

    /** A long-horizon planning goal. */
    static String planning(Rng rng) {
        return rng.pick(PLAN_GOALS).replace("{d}", rng.pick(DOMAINS)).replace("{n}", Integer.toString(rng.between(3, 24)));
    }

    private static final String[] NAMES = {"Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy"};
    private static final String[] ATTRS = {"owns a cat", "drinks tea", "lives in the red house", "plays chess", "is a doctor",
            "was born in May", "drives a bike", "speaks French"};

    /** A logic puzzle. */
    static String puzzle(Rng rng) {
        StringBuilder b = new StringBuilder("Five people sit in a row. ");
        int clues = rng.between(4, 7);
        for (int i = 0; i < clues; i++) {
            b.append(rng.pick(NAMES)).append(i % 2 == 0 ? " sits next to the person who " : " does not sit beside whoever ")
                    .append(rng.pick(ATTRS)).append(". ");
        }
        return b.append("Who ").append(rng.pick(ATTRS)).append('?').toString();
    }
}
