package io.extractionguard.loadtest.traffic;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Writes a labelled, seeded traffic trace in the trace-replay contract's format: the same seed,
 * mix and size always give the same file. Each line carries {@code label} (population) and
 * {@code group} (cluster, organisation) as evaluation metadata, which replay ignores.
 *
 * <pre>
 * java -cp loadtest.jar io.extractionguard.loadtest.traffic.TraceGenerator --out TRACE.jsonl
 *      [--seed 1] [--mix default|holdout|fresh|unseen|adaptive] [--requests 200000]
 * </pre>
 */
public final class TraceGenerator {

    static final Instant START = Instant.parse("2026-03-02T00:00:00Z");
    private static final JsonFactory JSON = new JsonFactory();

    /** What was written. */
    public record Result(long lines, Map<String, Integer> requestsByLabel) {
    }

    public static void main(String[] args) throws IOException {
        String out = null;
        long seed = 1;
        String mix = "default";
        int requests = 200_000;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--out" -> out = v;
                case "--seed" -> seed = Long.parseLong(v);
                case "--mix" -> mix = v;
                case "--requests" -> requests = Integer.parseInt(v);
                default -> usage("unknown option " + args[i]);
            }
            i++;
        }
        if (out == null) {
            usage("--out is required");
        }
        Result r = generate(Path.of(out), seed, Mix.named(mix), requests);
        PrintStream err = System.err;
        err.printf("wrote %d requests to %s (seed %d, mix %s)%n", r.lines(), out, seed, mix);
        r.requestsByLabel().forEach((label, n) -> err.printf("  %-22s %8d%n", label, n));
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nusage: TraceGenerator --out TRACE.jsonl [--seed N] [--mix default|holdout|fresh|unseen|adaptive] [--requests N]");
        System.exit(2);
    }

    /** Generates the trace into {@code out}. */
    public static Result generate(Path out, long seed, String mix, int requests) throws IOException {
        return generate(out, seed, Mix.named(mix), requests);
    }

    static Result generate(Path out, long seed, Mix mix, int requests) throws IOException {
        Rng rng = new Rng(seed);
        TraceContext ctx = new TraceContext(START, (long) (mix.days() * TraceContext.DAY), mix.bank(), rng);
        double total = mix.shares().values().stream().mapToDouble(Double::doubleValue).sum();
        for (Map.Entry<Population, Double> e : mix.shares().entrySet()) {
            e.getKey().generate(ctx, (int) Math.round(requests * e.getValue() / total), rng.split());
        }
        // families added later draw from streams of their own, after every other population (account ids included)
        Rng extra = new Rng(seed ^ EXTRA_STREAMS);
        java.util.Set<String> extraLabels = new java.util.HashSet<>();
        for (Map.Entry<Population, Double> e : mix.extras().entrySet()) {
            e.getKey().generate(ctx, (int) Math.round(requests * e.getValue() / total), extra.split());
            extraLabels.add(e.getKey().label());
        }
        List<Event> events = ctx.events;
        events.sort(Comparator.comparingLong(Event::atMillis)); // stable: equal times keep generation order
        Map<String, Integer> byLabel = new TreeMap<>();
        Rng edge = rng.split();
        Rng extraEdge = extra.split();
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
            for (Event e : events) {
                line.reset();
                try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), line, JsonEncoding.UTF8)) {
                    Rng from = extraLabels.contains(e.label()) ? extraEdge : edge;
                    write(g, e, "10.0." + from.between(0, 3) + "." + from.between(1, 20));
                }
                line.write('\n');
                line.writeTo(file);
                byLabel.merge(e.label(), 1, Integer::sum);
            }
        }
        return new Result(events.size(), byLabel);
    }

    private static void write(JsonGenerator g, Event e, String edge) {
        Account a = e.account();
        Request r = e.request();
        g.writeStartObject();
        g.writeStringProperty("ts", Instant.ofEpochMilli(e.atMillis()).toString());
        g.writeStringProperty("label", e.label());
        g.writeStringProperty("group", e.group());
        g.writeStringProperty("method", "POST");
        g.writeStringProperty("path", r.api().path);
        g.writeStringProperty("remote_addr", edge);
        g.writeName("headers");
        g.writeStartObject();
        g.writeStringProperty("content-type", "application/json");
        g.writeStringProperty("user-agent", e.client().userAgent());
        if (r.api() == Request.Api.ANTHROPIC) {
            g.writeStringProperty("x-api-key", a.apiKey());
            g.writeStringProperty("anthropic-version", "2023-06-01");
        } else {
            g.writeStringProperty("authorization", "Bearer " + a.apiKey());
        }
        g.writeStringProperty("x-account-id", a.id());
        if (a.org() != null) {
            g.writeStringProperty("x-org-id", a.org());
        }
        g.writeStringProperty("x-account-tier", a.tier());
        g.writeStringProperty("x-account-created", a.created().toString());
        if (a.payment() != null) {
            g.writeStringProperty("x-payment-fingerprint", a.payment());
        }
        g.writeStringProperty("x-client-ja4", e.client().ja4());
        g.writeStringProperty("x-forwarded-for", e.clientIp());
        g.writeEndObject();
        g.writeName("body");
        BodyWriter.write(g, r);
        g.writeEndObject();
    }

    /** Seeds the streams of {@link Mix#extras()} (the trace seed XOR this), apart from the trace's own. */
    private static final long EXTRA_STREAMS = 0x7E57_B11D_0000_0016L;

    private TraceGenerator() {
    }
}
