package io.extractionguard.gateway.observe;

import java.io.StringWriter;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.action.Action;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.IpAddresses;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.config.GuardProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes every decision visible: one structured JSON line on the {@code extraction_guard.decision}
 * logger (rejections and SHADOW always, ALLOW at the configured sample rate) and Micrometer meters.
 * Logs carry the resolved account id (a keyed hash when it came from an API key), the client's
 * network prefix rather than its address, and never a credential or prompt text.
 *
 * <p>Hot path: the meters of a route/action/reason (and the body-size summary of a route) are looked up once and kept; the line is
 * streamed by a {@link JsonGenerator} (no tree); and it is handed to a bounded queue that a
 * dedicated thread writes to the logger, so a request thread (a Netty event loop) never waits
 * for the log sink. A full queue (the sink cannot keep up) drops lines and counts them in
 * {@code guard.decision.log.dropped}; the meters still count every decision.
 */
@Component
public class DecisionRecorder implements SmartLifecycle {

    /** Logger name of decision lines; routed to its own appender in logback-spring.xml. */
    public static final String LOGGER = "extraction_guard.decision";
    private static final Logger decisions = LoggerFactory.getLogger(LOGGER);
    private static final Logger log = LoggerFactory.getLogger(DecisionRecorder.class);
    private static final int QUEUE_CAPACITY = 65_536;

    private final MeterRegistry meters;
    private final AuditTrail audit;
    private final RecentDecisions recent;
    private final JsonMapper json;
    private final Clock clock;
    private final boolean logEnabled;
    private final double sampleRate;
    private final ConcurrentHashMap<DecisionKey, Counter> decisionCounters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RouteMeters> routeMeters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, DistributionSummary> bodySizes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BoundaryKey, Counter> boundaryCounters = new ConcurrentHashMap<>();
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Counter dropped;
    private volatile Thread writer;

    public DecisionRecorder(MeterRegistry meters, JsonMapper json, Clock clock, GuardProperties properties,
                            AuditTrail audit, RecentDecisions recent) {
        this.meters = meters;
        this.recent = recent;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.logEnabled = properties.decisionLog().enabled();
        this.sampleRate = properties.decisionLog().sampleRate();
        this.dropped = Counter.builder("guard.decision.log.dropped")
                .description("Decision lines not logged because the log sink fell behind (the meters still count them)")
                .register(meters);
        // what share of the decisions the log shows, so a dashboard reading lines knows what it misses
        double allowRate = logEnabled ? Math.clamp(sampleRate, 0.0, 1.0) : 0.0;
        Gauge.builder("guard.decision.log.sample.rate", () -> allowRate)
                .description("Share of decisions of this action written as decision lines (every non-ALLOW when enabled)")
                .tag("action", "ALLOW").register(meters);
        Gauge.builder("guard.decision.log.sample.rate", () -> logEnabled ? 1.0 : 0.0)
                .description("Share of decisions of this action written as decision lines (every non-ALLOW when enabled)")
                .tag("action", "other").register(meters);
    }

    private record DecisionKey(String action, String reason, String route, String policyVersion) {
    }

    private record BoundaryKey(String route, String outcome, String endpoint) {
    }

    private record RouteMeters(DistributionSummary score, Timer latency) {
    }

    /**
     * @param traceparent the request's W3C {@code traceparent} header (or null): the decision line's {@code trace_id}
     *                    when no tracer is running (tracing is off unless the {@code tracing} profile is active)
     */
    public void decided(String route, ApiFormat format, ClientIdentity identity, Decision d, long elapsedNanos,
                        String traceparent) {
        recent.add(clock.instant(), route, d);
        String firstReason = d.reasons().isEmpty() ? "none" : d.reasons().get(0);
        decisionCounters.computeIfAbsent(new DecisionKey(d.action().name(), firstReason, route, d.policyVersion()),
                k -> Counter.builder("guard.decisions")
                        .description("Requests decided by the guard, by action and main reason")
                        .tag("action", k.action())
                        .tag("reason", k.reason())
                        .tag("route", k.route())
                        .tag("policy_version", k.policyVersion())
                        .register(meters))
                .increment();
        RouteMeters m = routeMeters.computeIfAbsent(route, r -> new RouteMeters(
                DistributionSummary.builder("guard.score")
                        .description("Risk score of decided requests")
                        .tag("route", r)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(1.0)
                        .maximumExpectedValue(100.0)
                        .register(meters),
                Timer.builder("guard.filter.latency")
                        .description("Time the guard adds to a request before forwarding or rejecting it")
                        .tag("route", r)
                        .publishPercentileHistogram()
                        .register(meters)));
        m.score().record(d.score());
        m.latency().record(elapsedNanos, TimeUnit.NANOSECONDS);
        boolean logIt = logEnabled && shouldLog(d.action());
        boolean sampled = audit.sampleDecision();
        if (logIt || sampled) {
            String line = line(route, format, identity, d, elapsedNanos, traceparent);
            if (logIt && !lines.offer(line)) {
                dropped.increment();
            }
            if (sampled) {
                audit.decision(line);
            }
        }
    }
    public void invalid(String route, ApiFormat format, ParseError.Kind kind) {
        Counter.builder("guard.requests.invalid")
                .description("Requests refused before evaluation because the body could not be read")
                .tag("route", route)
                .tag("format", format == null ? "unknown" : format.name())
                .tag("kind", kind.name())
                .register(meters)
                .increment();
    }

    /**
     * Counts a request the boundary passed unevaluated or refused ({@code guard.boundary.requests}):
     * {@code outcome} is {@code passed} or {@code refused-<cause>}, {@code endpoint} the catalog entry.
     */
    public void boundary(String route, String outcome, String endpoint) {
        boundaryCounters.computeIfAbsent(new BoundaryKey(route, outcome, endpoint),
                k -> Counter.builder("guard.boundary.requests")
                        .description("Requests on guarded routes that were passed without evaluation or refused at the boundary")
                        .tag("route", k.route())
                        .tag("outcome", k.outcome())
                        .tag("endpoint", k.endpoint())
                        .register(meters))
                .increment();
    }

    public void bodyBytes(String route, long bytes) {
        bodySizes.computeIfAbsent(route, r -> DistributionSummary.builder("guard.request.body.bytes")
                        .description("Size of inference request bodies read by the guard")
                        .baseUnit("bytes")
                        .tag("route", r)
                        .register(meters))
                .record(bytes);
    }

    private boolean shouldLog(Action action) {
        return action != Action.ALLOW || sampleRate >= 1.0
                || (sampleRate > 0 && ThreadLocalRandom.current().nextDouble() < sampleRate);
    }

    String line(String route, ApiFormat format, ClientIdentity id, Decision d, long elapsedNanos, String traceparent) {
        StringWriter out = new StringWriter(384);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("ts", clock.instant().toString());
            g.writeStringProperty("event", "decision");
            g.writeStringProperty("route", route);
            g.writeStringProperty("format", format.name());
            g.writeStringProperty("account", d.accountId());
            g.writeStringProperty("account_source", id.source().name());
            if (id.orgId() != null) {
                g.writeStringProperty("org", id.orgId());
            }
            g.writeStringProperty("tier", id.tier() == null ? "default" : id.tier());
            String net = IpAddresses.networkPrefix(id.clientIp()).orElse(null);
            if (net != null) {
                g.writeStringProperty("client_net", net);
            }
            g.writeStringProperty("action", d.action().name());
            if (d.wouldBe() != null) {
                g.writeStringProperty("would_be", d.wouldBe().name());
            }
            g.writeNumberProperty("score", d.score());
            if (d.band() != null) {
                g.writeStringProperty("band", d.band());
            }
            g.writeArrayPropertyStart("reasons");
            for (String reason : d.reasons()) {
                g.writeString(reason);
            }
            g.writeEndArray();
            if (d.limit() != null && !d.limit().isUnlimited()) {
                g.writeNumberProperty("limit_remaining", d.limit().remaining());
            }
            g.writeStringProperty("policy", d.policyVersion());
            g.writeNumberProperty("latency_us", elapsedNanos / 1000);
            String traceId = MDC.get("traceId");
            if (traceId == null) {
                traceId = traceId(traceparent);
            }
            if (traceId != null) {
                g.writeStringProperty("trace_id", traceId);
            }
            if (id.strippedHeaders() > 0) {
                g.writeNumberProperty("stripped_headers", id.strippedHeaders());
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    /**
     * The trace id of a W3C {@code traceparent} value ({@code 00-<32 hex>-<16 hex>-<2 hex>}), or null when it is
     * absent or not of that form (an all-zero id is invalid).
     */
    static String traceId(String traceparent) {
        if (traceparent == null || traceparent.length() != 55 || !traceparent.startsWith("00-")
                || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-') {
            return null;
        }
        boolean nonZero = false;
        for (int i = 3; i < 55; i++) {
            char c = traceparent.charAt(i);
            if (i == 35 || i == 52) {
                continue;
            }
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
            nonZero |= i < 35 && c != '0';
        }
        return nonZero ? traceparent.substring(3, 35) : null;
    }

    /** Writes queued lines to the decision logger until stopped; then writes what is left. */
    private void drain() {
        while (writer != null || !lines.isEmpty()) {
            try {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    decisions.info(line);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("a decision line could not be logged: {}", e.toString());
            }
        }
    }

    @Override
    public synchronized void start() {
        if (writer == null) {
            Thread t = new Thread(this::drain, "guard-decision-log");
            t.setDaemon(true);
            writer = t;
            t.start();
        }
    }

    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            t = writer;
            writer = null;
        }
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return writer != null;
    }

    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 600; // started before and stopped after the web server: its last lines are written
    }
}
