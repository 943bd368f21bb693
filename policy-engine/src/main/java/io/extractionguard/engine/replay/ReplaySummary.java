package io.extractionguard.engine.replay;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.decision.Decision;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** Aggregate figures of a replay (the contract's {@code --summary}). */
public final class ReplaySummary {

    private final String policy;
    private static final Action[] ACTIONS = Action.values();
    /** Per action, by ordinal. */
    private final long[] actions = new long[ACTIONS.length];
    /** Per reason; sorted only when written (a tree map's string compares were on the deciding thread). */
    private final Map<String, long[]> reasons = new HashMap<>();
    private long processed;
    private long skipped;
    /** Lines the gateway would refuse undecided, per cause. */
    private final Map<String, long[]> rejected = new TreeMap<>();
    private long outOfOrder;
    private long elapsedNanos;

    ReplaySummary(String policy) {
        this.policy = policy;
    }

    void record(Decision d) {
        processed++;
        actions[d.action().ordinal()]++;
        for (String r : d.reasons()) {
            reasons.computeIfAbsent(r, k -> new long[1])[0]++;
        }
    }

    void skipped() {
        skipped++;
    }

    void rejected(Replay.Rejection rejection) {
        rejected.computeIfAbsent(rejection.cause(), k -> new long[1])[0]++;
    }

    /** Lines the gateway would refuse undecided with {@code cause} (a {@link Replay.Rejection#cause}). */
    public long rejected(String cause) {
        long[] n = rejected.get(cause);
        return n == null ? 0 : n[0];
    }

    void outOfOrder() {
        outOfOrder++;
    }

    void finish(long nanos) {
        elapsedNanos = nanos;
    }

    public long processed() {
        return processed;
    }

    public long skippedLines() {
        return skipped;
    }

    public long count(Action action) {
        return actions[action.ordinal()];
    }

    public double requestsPerSecond() {
        return elapsedNanos <= 0 ? 0 : processed / (elapsedNanos / 1e9);
    }

    public void writeJson(OutputStream out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringProperty("policy", policy);
            g.writeNumberProperty("processed", processed);
            g.writeNumberProperty("skipped_lines", skipped);
            g.writeNumberProperty("out_of_order_lines", outOfOrder);
            g.writeNumberProperty("rejected_lines", rejected.values().stream().mapToLong(n -> n[0]).sum());
            g.writeName("rejected");
            g.writeStartObject();
            for (Map.Entry<String, long[]> e : rejected.entrySet()) {
                g.writeNumberProperty(e.getKey(), e.getValue()[0]);
            }
            g.writeEndObject();
            g.writeName("actions");
            g.writeStartObject();
            for (Action a : ACTIONS) {
                g.writeNumberProperty(a.name(), actions[a.ordinal()]);
            }
            g.writeEndObject();
            g.writeName("reasons");
            g.writeStartObject();
            for (Map.Entry<String, long[]> e : new TreeMap<>(reasons).entrySet()) {
                g.writeNumberProperty(e.getKey(), e.getValue()[0]);
            }
            g.writeEndObject();
            g.writeNumberProperty("elapsed_ms", Math.round(elapsedNanos / 1e6));
            g.writeNumberProperty("requests_per_second", Math.round(requestsPerSecond()));
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }
}
