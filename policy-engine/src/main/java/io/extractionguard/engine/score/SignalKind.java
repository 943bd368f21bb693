package io.extractionguard.engine.score;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.extractionguard.engine.action.Mode;
import io.extractionguard.engine.state.ProfileStats;

/**
 * The signals a policy can weight, each with its parameters and their defaults. A policy names
 * signals by {@link #id()}; that id is also the reason reported when the signal contributes.
 */
public enum SignalKind {

    /** The account keeps sending prompts built from the same template. */
    PROMPT_TEMPLATE_REUSE("prompt-template-reuse",
            List.of(ParamSpec.share("low", 0.3), ParamSpec.share("high", 0.8), ParamSpec.count("min-requests", 4))) {
        @Override
        double strength(SignalContext c, Params p) {
            if (c.stats().totalRequests() < p.get("min-requests")) {
                return 0;
            }
            return Scorer.ramp(c.stats().templatedShare(), p.get("low"), p.get("high"));
        }
    },

    /** The account keeps asking the model to reveal its full reasoning. */
    COT_ELICITATION("cot-elicitation", List.of(ParamSpec.share("low", 0.15), ParamSpec.share("high", 0.7))) {
        @Override
        double strength(SignalContext c, Params p) {
            return Scorer.ramp(c.stats().cotShare(), p.get("low"), p.get("high"));
        }
    },

    /** The account's prompts concentrate on the capabilities distillers harvest. */
    CAPABILITY_FOCUS("capability-focus", List.of(ParamSpec.share("low", 0.5), ParamSpec.share("high", 0.95))) {
        @Override
        double strength(SignalContext c, Params p) {
            return Scorer.ramp(c.stats().capabilityShare(), p.get("low"), p.get("high"));
        }
    },

    /** The account asks for long outputs. */
    OUTPUT_APPETITE("output-appetite",
            List.of(ParamSpec.count("low", 4000), ParamSpec.count("high", 16000))) {
        @Override
        double strength(SignalContext c, Params p) {
            ProfileStats s = c.stats();
            return Scorer.ramp(Math.max(s.meanRequestedTokens(), s.meanOutputTokens()), p.get("low"), p.get("high"));
        }
    },

    /**
     * The account receives a large volume of output tokens: what a distiller harvests. Reads the
     * served output tokens (from response usage) of about the last day, time-decayed.
     */
    HARVEST_VOLUME("harvest-volume",
            List.of(ParamSpec.tokens("low", 200_000), ParamSpec.tokens("high", 2_000_000))) {
        @Override
        double strength(SignalContext c, Params p) {
            ProfileStats s = c.stats();
            // mean served output per recent request × recent requests = decayed served output tokens
            return Scorer.ramp(s.meanOutputTokens() * s.recentRequests(), p.get("low"), p.get("high"));
        }
    },

    /**
     * The account keeps sending standalone asks for long outputs: no earlier turns, never a follow-up,
     * a large output budget. A distiller wants independent samples of long answers, so it starts afresh
     * every time; people, apps and agents continue conversations, and scripts that do send standalone
     * requests (classification, extraction, benchmarks) ask for short answers. Reads only the request's
     * structure, not its wording: the share of recent requests with no earlier turns (unshrunk, so it
     * needs {@code min-requests} recent requests) times the mean requested output budget on the
     * {@code budget-low} → {@code budget-high} ramp.
     */
    ONE_SHOT_ASKS("one-shot-asks",
            List.of(ParamSpec.share("low", 0.8), ParamSpec.share("high", 0.95), ParamSpec.count("min-requests", 6),
                    ParamSpec.count("budget-low", 2000), ParamSpec.count("budget-high", 8000))) {
        @Override
        double strength(SignalContext c, Params p) {
            ProfileStats s = c.stats();
            if (s.recentRequests() < p.get("min-requests")) {
                return 0;
            }
            return Scorer.ramp(s.standaloneShare(), p.get("low"), p.get("high"))
                    * Scorer.ramp(s.meanRequestedTokens(), p.get("budget-low"), p.get("budget-high"));
        }
    },

    /** The account's calls carry tool definitions (agentic trajectories). */
    AGENTIC_SHAPE("agentic-shape", List.of(ParamSpec.share("low", 0.5), ParamSpec.share("high", 1.0))) {
        @Override
        double strength(SignalContext c, Params p) {
            return Scorer.ramp(c.stats().toolsShare(), p.get("low"), p.get("high"));
        }
    },

    /** The account sustains a large share of its tier's daily allowance hour after hour. */
    SUSTAINED_RATE("sustained-rate",
            List.of(ParamSpec.share("low", 0.5), ParamSpec.share("high", 1.0), ParamSpec.count("min-requests", 20))) {
        @Override
        double strength(SignalContext c, Params p) {
            if (c.stats().totalRequests() < p.get("min-requests")) {
                return 0;
            }
            double perHourAllowance = c.tier().requestsPerDay() > 0
                    ? c.tier().requestsPerDay() / 24.0
                    : c.tier().requestsPerMinute() * 60.0;
            if (perHourAllowance <= 0) {
                return 0;
            }
            return Scorer.ramp(c.stats().requestsLastHour() / perHourAllowance, p.get("low"), p.get("high"));
        }
    },

    /** Requests arrive at machine-regular intervals (low variation of inter-arrival gaps). */
    TIMING_REGULARITY("timing-regularity",
            List.of(ParamSpec.share("low", 0.25), ParamSpec.share("high", 0.6), ParamSpec.count("min-requests", 10))) {
        @Override
        double strength(SignalContext c, Params p) {
            ProfileStats s = c.stats();
            if (s.timingSamples() + 1 < p.get("min-requests") || Double.isNaN(s.timingCv())) {
                return 0;
            }
            double low = p.get("low");
            double high = p.get("high");
            return Scorer.ramp(high - s.timingCv(), 0, high - low);
        }
    },

    /** The account was created recently (from the edge's {@code x-account-created}). */
    NEW_ACCOUNT("new-account", List.of(ParamSpec.duration("max-age", 7 * 86_400_000.0))) {
        @Override
        double strength(SignalContext c, Params p) {
            if (c.identity().accountCreated() == null) {
                return 0;
            }
            double age = c.now().toEpochMilli() - (double) c.identity().accountCreated().toEpochMilli();
            return age <= 0 ? 1 : Math.max(0, 1 - age / p.get("max-age"));
        }
    };

    private final String id;
    private final List<ParamSpec> params;

    SignalKind(String id, List<ParamSpec> params) {
        this.id = id;
        this.params = params;
    }

    public String id() {
        return id;
    }

    public List<ParamSpec> params() {
        return params;
    }

    abstract double strength(SignalContext context, Params params);

    /**
     * A signal's parameter values by name, looked up on every request: the names are this enum's
     * literals (compared by identity first), a handful per signal, so a scan of two arrays instead of
     * hashing a string key and unboxing a {@code Double} from an immutable map.
     */
    static final class Params {
        private final String[] names;
        private final double[] values;

        Params(List<ParamSpec> specs, Map<String, Double> values) {
            List<String> present = new java.util.ArrayList<>(specs.size());
            for (ParamSpec spec : specs) {
                if (values.get(spec.name()) != null) {
                    present.add(spec.name());
                }
            }
            this.names = present.toArray(new String[0]);
            this.values = new double[names.length];
            for (int i = 0; i < names.length; i++) {
                this.values[i] = values.get(names[i]);
            }
        }

        double get(String name) {
            for (int i = 0; i < names.length; i++) {
                if (names[i] == name) {
                    return values[i];
                }
            }
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return values[i];
                }
            }
            throw new NullPointerException("no value for parameter " + name); // as unboxing the map's null did
        }
    }

    public static Optional<SignalKind> byId(String id) {
        for (SignalKind kind : values()) {
            if (kind.id.equals(id)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** A configured instance of this signal. {@code params} must hold every parameter (defaults filled in). */
    public Signal create(double weight, Mode mode, Map<String, Double> params) {
        Map<String, Double> p = Map.copyOf(params);
        Params values = new Params(this.params, p);
        SignalKind kind = this;
        return new Signal() {
            @Override
            public String id() {
                return kind.id;
            }

            @Override
            public double weight() {
                return weight;
            }

            @Override
            public Mode mode() {
                return mode;
            }

            @Override
            public double strength(SignalContext context) {
                return kind.strength(context, values);
            }

            @Override
            public String toString() {
                return kind.id + "(weight=" + weight + ", " + mode + ", " + p + ")";
            }
        };
    }

    /**
     * A signal parameter.
     *
     * @param name         key in the policy file
     * @param defaultValue value when the policy leaves it out (durations in milliseconds)
     * @param min          smallest allowed value
     * @param max          largest allowed value
     * @param type         how the value is written
     */
    public record ParamSpec(String name, double defaultValue, double min, double max, Type type) {

        public enum Type { SHARE, COUNT, DURATION }

        static ParamSpec share(String name, double defaultValue) {
            return new ParamSpec(name, defaultValue, 0, 1, Type.SHARE);
        }

        static ParamSpec count(String name, double defaultValue) {
            return new ParamSpec(name, defaultValue, 0, 10_000_000, Type.COUNT);
        }

        static ParamSpec tokens(String name, double defaultValue) {
            return new ParamSpec(name, defaultValue, 0, 1e12, Type.COUNT);
        }

        static ParamSpec duration(String name, double defaultMillis) {
            return new ParamSpec(name, defaultMillis, 1, 3650 * 86_400_000.0, Type.DURATION);
        }
    }
}
