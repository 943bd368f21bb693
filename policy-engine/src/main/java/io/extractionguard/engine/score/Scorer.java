package io.extractionguard.engine.score;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Sums signal contributions into a 0–100 score. Immutable; compiled once per policy. */
public final class Scorer {

    /** Contributions below this many points are not reported as reasons. */
    public static final double REASON_THRESHOLD = 1.0;

    private final List<Signal> signals;
    /** Most points first; the sort is stable, so equal points keep their order. */
    private static final Comparator<Contribution> MOST_POINTS_FIRST =
            Comparator.comparingDouble(Contribution::points).reversed();

    public Scorer(List<Signal> signals) {
        this.signals = List.copyOf(signals);
    }

    public List<Signal> signals() {
        return signals;
    }

    public RiskScore score(SignalContext context) {
        return score(context, List.of());
    }

    /** Scores with additional contributions computed outside the signal list (e.g. campaign evidence). */
    public RiskScore score(SignalContext context, List<Contribution> extra) {
        List<Contribution> fired = new ArrayList<>(signals.size() + extra.size());
        double enforced = 0;
        double all = 0;
        for (Signal signal : signals) {
            double strength = clamp(signal.strength(context));
            if (strength <= 0) {
                continue;
            }
            double points = strength * signal.weight();
            boolean shadow = signal.mode() == io.extractionguard.engine.action.Mode.SHADOW;
            fired.add(new Contribution(signal.id(), round(strength), round(points), shadow));
            all += points;
            if (!shadow) {
                enforced += points;
            }
        }
        for (Contribution c : extra) {
            fired.add(c);
            all += c.points();
            if (!c.shadow()) {
                enforced += c.points();
            }
        }
        fired.sort(MOST_POINTS_FIRST);
        return new RiskScore(round(Math.min(100, enforced)), round(Math.min(100, all)), fired);
    }

    static double clamp(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }

    static double round(double v) {
        return Math.round(v * 10.0) / 10.0;
    }

    /** Linear ramp: 0 at or below {@code low}, 1 at or above {@code high}. */
    public static double ramp(double value, double low, double high) {
        if (Double.isNaN(value) || value <= low) {
            return 0;
        }
        if (value >= high) {
            return 1;
        }
        return (value - low) / (high - low);
    }
}
