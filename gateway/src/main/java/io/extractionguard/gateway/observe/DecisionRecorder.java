package io.extractionguard.gateway.observe;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.decision.Action;
import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.identity.IpAddresses;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.engine.request.ParseError;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.config.GuardProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Makes every decision visible: one structured JSON line on the {@code extraction_guard.decision}
 * logger (rejections and SHADOW always, ALLOW at the configured sample rate) and Micrometer meters.
 * Logs carry the resolved account id (a keyed hash when it came from an API key), the client's
 * network prefix rather than its address, and never a credential or prompt text.
 */
@Component
public class DecisionRecorder {

    /** Logger name of decision lines; routed to its own appender in logback-spring.xml. */
    public static final String LOGGER = "extraction_guard.decision";
    private static final Logger decisions = LoggerFactory.getLogger(LOGGER);

    private final MeterRegistry meters;
    private final AuditTrail audit;
    private final RecentDecisions recent;
    private final JsonMapper json;
    private final Clock clock;
    private final boolean logEnabled;
    private final double sampleRate;

    public DecisionRecorder(MeterRegistry meters, JsonMapper json, Clock clock, GuardProperties properties,
                            AuditTrail audit, RecentDecisions recent) {
        this.meters = meters;
        this.recent = recent;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.logEnabled = properties.decisionLog().enabled();
        this.sampleRate = properties.decisionLog().sampleRate();
    }

    public void decided(String route, ApiFormat format, ClientIdentity identity, Decision d, long elapsedNanos) {
        recent.add(clock.instant(), route, d);
        String firstReason = d.reasons().isEmpty() ? "none" : d.reasons().get(0);
        Counter.builder("guard.decisions")
                .description("Requests decided by the guard, by action and main reason")
                .tag("action", d.action().name())
                .tag("reason", firstReason)
                .tag("route", route)
                .tag("policy_version", d.policyVersion())
                .register(meters)
                .increment();
        DistributionSummary.builder("guard.score")
                .description("Risk score of decided requests")
                .tag("route", route)
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(100.0)
                .register(meters)
                .record(d.score());
        Timer.builder("guard.filter.latency")
                .description("Time the guard adds to a request before forwarding or rejecting it")
                .tag("route", route)
                .publishPercentileHistogram()
                .register(meters)
                .record(elapsedNanos, TimeUnit.NANOSECONDS);
        boolean log = logEnabled && shouldLog(d.action());
        boolean sampled = audit.sampleDecision();
        if (log || sampled) {
            String line = line(route, format, identity, d, elapsedNanos);
            if (log) {
                decisions.info(line);
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

    public void bodyBytes(String route, long bytes) {
        DistributionSummary.builder("guard.request.body.bytes")
                .description("Size of inference request bodies read by the guard")
                .baseUnit("bytes")
                .tag("route", route)
                .register(meters)
                .record(bytes);
    }

    private boolean shouldLog(Action action) {
        return action != Action.ALLOW || sampleRate >= 1.0
                || (sampleRate > 0 && ThreadLocalRandom.current().nextDouble() < sampleRate);
    }

    String line(String route, ApiFormat format, ClientIdentity id, Decision d, long elapsedNanos) {
        ObjectNode o = json.createObjectNode();
        o.put("ts", clock.instant().toString());
        o.put("event", "decision");
        o.put("route", route);
        o.put("format", format.name());
        o.put("account", d.accountId());
        o.put("account_source", id.source().name());
        if (id.orgId() != null) {
            o.put("org", id.orgId());
        }
        o.put("tier", id.tier() == null ? "default" : id.tier());
        IpAddresses.networkPrefix(id.clientIp()).ifPresent(prefix -> o.put("client_net", prefix));
        o.put("action", d.action().name());
        if (d.wouldBe() != null) {
            o.put("would_be", d.wouldBe().name());
        }
        o.put("score", d.score());
        if (d.band() != null) {
            o.put("band", d.band());
        }
        ArrayNode reasons = o.putArray("reasons");
        d.reasons().forEach(reasons::add);
        if (d.limit() != null && !d.limit().isUnlimited()) {
            o.put("limit_remaining", d.limit().remaining());
        }
        o.put("policy", d.policyVersion());
        o.put("latency_us", elapsedNanos / 1000);
        String traceId = MDC.get("traceId");
        if (traceId != null) {
            o.put("trace_id", traceId);
        }
        if (id.strippedHeaders() > 0) {
            o.put("stripped_headers", id.strippedHeaders());
        }
        return json.writeValueAsString(o);
    }
}
