package io.extractionguard.gateway.policy;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.policy.Policy;
import io.extractionguard.engine.policy.PolicyError;
import io.extractionguard.engine.policy.PolicyException;
import io.extractionguard.engine.policy.PolicyHolder;
import io.extractionguard.engine.policy.PolicyLoader;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.config.GuardConfiguration;
import io.extractionguard.gateway.config.GuardProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps the active policy in step with its file. File-system events on the file's directory
 * (which also see Kubernetes ConfigMap updates, where the kubelet swaps a {@code ..data} symlink)
 * trigger a re-read, and a poll catches what events miss. A changed file is validated completely
 * before it is swapped in atomically; a file with errors is rejected with every error logged and
 * counted, and the last good policy stays active. Each outcome is written to the audit trail.
 *
 * <p>Runs on its own daemon thread: file I/O never touches the event loop.
 */
@Component
public class PolicyReloader implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PolicyReloader.class);

    /** What the last reload attempt found, for the info endpoint. */
    public record Status(String activeVersion, String activeHash, String source, Instant loadedAt,
                         Instant lastAttemptAt, List<String> lastErrors) {
    }

    private final PolicyHolder holder;
    private final Path file;
    private final long pollMillis;
    private final AuditTrail audit;
    private final JsonMapper json;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter reloaded;
    private final Counter rejected;
    private final AtomicReference<Status> status;
    private volatile String lastSeenDigest;
    private volatile Thread thread;
    private volatile WatchService watcher;
    private Gauge activeGauge;

    public PolicyReloader(PolicyHolder holder, GuardProperties properties, AuditTrail audit, JsonMapper json,
                          Clock clock, MeterRegistry meters) {
        this.holder = holder;
        this.file = GuardConfiguration.policyFile(properties.policy().path());
        this.pollMillis = properties.policy().pollInterval().toMillis();
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.meters = meters;
        this.reloaded = Counter.builder("guard.policy.reloads").tag("outcome", "applied")
                .description("Policy file changes applied").register(meters);
        this.rejected = Counter.builder("guard.policy.reloads").tag("outcome", "rejected")
                .description("Policy file changes rejected (the last good policy stays active)").register(meters);
        Policy p = holder.get();
        this.status = new AtomicReference<>(new Status(p.version(), p.hash(), p.source(), clock.instant(), null, List.of()));
        registerActiveGauge(p);
    }

    public Status status() {
        return status.get();
    }

    /** Re-reads the file now; returns true when a new policy was applied. Blocking (file I/O). */
    public synchronized boolean reloadNow() {
        if (file == null) {
            return false;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            String digestOfMissing = "unreadable:" + e.getMessage();
            if (!digestOfMissing.equals(lastSeenDigest)) {
                lastSeenDigest = digestOfMissing;
                reject(List.of("cannot read " + file + ": " + e.getMessage()));
            }
            return false;
        }
        String digest = sha256(bytes);
        if (digest.equals(lastSeenDigest)) {
            return false;
        }
        lastSeenDigest = digest;
        Policy next;
        try {
            next = new PolicyLoader().load(file.getFileName().toString(), bytes);
        } catch (PolicyException e) {
            reject(e.errors().stream().map(PolicyError::toString).toList());
            return false;
        }
        if (next.hash().equals(holder.get().hash())) {
            return false;
        }
        Policy previous = holder.get();
        try {
            audit.record("policy", policyRecord("applied", previous, next, List.of()));
        } catch (IOException e) {
            log.error("policy {} NOT applied: the change could not be written to the audit trail ({})", next.label(),
                    e.getMessage());
            lastSeenDigest = null; // try again on the next poll
            return false;
        }
        holder.swap(next);
        reloaded.increment();
        registerActiveGauge(next);
        status.set(new Status(next.version(), next.hash(), file.toString(), clock.instant(), clock.instant(), List.of()));
        log.info("policy {} applied from {} (was {})", next.label(), file, previous.label());
        return true;
    }

    private void reject(List<String> errors) {
        rejected.increment();
        Policy active = holder.get();
        log.error("policy file {} rejected with {} error(s); policy {} stays active:\n  {}", file, errors.size(),
                active.label(), String.join("\n  ", errors));
        Status s = status.get();
        status.set(new Status(s.activeVersion(), s.activeHash(), s.source(), s.loadedAt(), clock.instant(), errors));
        try {
            audit.record("policy", policyRecord("rejected", active, null, errors));
        } catch (IOException e) {
            log.error("could not audit the rejected policy change: {}", e.getMessage());
        }
    }

    private String policyRecord(String outcome, Policy previous, Policy next, List<String> errors) {
        ObjectNode o = json.createObjectNode();
        o.put("outcome", outcome);
        o.put("file", String.valueOf(file));
        o.put("previous", previous.label());
        if (next != null) {
            o.put("version", next.version());
            o.put("hash", next.hash());
        }
        ArrayNode e = o.putArray("errors");
        errors.forEach(e::add);
        return json.writeValueAsString(o);
    }

    private synchronized void registerActiveGauge(Policy p) {
        if (activeGauge != null) {
            meters.remove(activeGauge);
        }
        activeGauge = Gauge.builder("guard.policy.active", () -> 1)
                .description("The active policy (value 1), by version and content hash")
                .tag("version", p.version())
                .tag("hash", p.hash())
                .register(meters);
    }

    @Override
    public void start() {
        if (file == null || pollMillis <= 0) {
            log.info("policy reloading off ({})", file == null ? "the bundled default policy is in use" : "poll interval 0");
            return;
        }
        Thread t = new Thread(this::watch, "policy-reloader");
        t.setDaemon(true);
        thread = t;
        t.start();
        log.info("watching {} for policy changes (poll every {} ms)", file.toAbsolutePath(), pollMillis);
    }

    private void watch() {
        Path dir = file.toAbsolutePath().getParent();
        try {
            watcher = FileSystems.getDefault().newWatchService();
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            log.warn("cannot watch {} ({}); relying on polling every {} ms", dir, e.getMessage(), pollMillis);
            watcher = null;
        }
        while (thread != null) {
            try {
                WatchService w = watcher;
                if (w == null) {
                    Thread.sleep(pollMillis);
                } else {
                    WatchKey key = w.poll(pollMillis, TimeUnit.MILLISECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                        Thread.sleep(50); // let a multi-step update (ConfigMap symlink swap) settle
                    }
                }
                reloadNow();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                log.error("policy reload failed unexpectedly; the active policy is unchanged", e);
            }
        }
    }

    @Override
    public void stop() {
        Thread t = thread;
        thread = null;
        if (t != null) {
            t.interrupt();
        }
        WatchService w = watcher;
        if (w != null) {
            try {
                w.close();
            } catch (IOException ignored) {
                // closing on shutdown
            }
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
