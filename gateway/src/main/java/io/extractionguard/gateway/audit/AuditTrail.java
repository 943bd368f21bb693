package io.extractionguard.gateway.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.audit.AuditChain;
import io.extractionguard.engine.audit.AuditCheckpoint;
import io.extractionguard.engine.audit.AuditKey;
import io.extractionguard.engine.audit.AuditVerifier;
import io.extractionguard.gateway.config.GuardProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The tamper-evident audit trail: one JSON line per record in a keyed hash chain (see
 * {@link AuditChain}), with signed checkpoints of its head published to {@link AuditCheckpoints}
 * (Redis) and to the {@code extraction_guard.audit} logger, verifiable with
 * {@code policy-engine-cli audit-verify --checkpoints … FILE}.
 *
 * <p>Decisions are sampled and queued; a background thread writes them, so the request path never
 * waits for the disk. Operator actions and policy changes are written synchronously and in full:
 * their callers (admin API on a worker thread, the policy reloader) learn of a failed write and must
 * not carry out an action that could not be audited. A queue overflow drops sampled decisions only,
 * and counts them ({@code guard.audit.dropped}). A checkpoint follows every operator or policy record
 * within 200 ms, and otherwise every {@code checkpoint-interval} while the chain grows; cutting the
 * file's tail then contradicts a checkpoint already out of the replica's reach.
 */
@Component
public class AuditTrail implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    /** Records (with {@code log-records}) and checkpoints as raw JSON lines, for the log pipeline. */
    private static final Logger shipped = LoggerFactory.getLogger("extraction_guard.audit");

    private final GuardProperties.Audit settings;
    private final String replica;
    private final Clock clock;
    private final BlockingQueue<String[]> decisions;
    private final Counter dropped;
    private final Counter written;
    private final AuditCheckpoints checkpoints;
    private final Object lock = new Object();
    private AuditChain chain;
    private OutputStream out;
    private long checkpointedSeq = -1;
    private long checkpointedAt;
    private volatile boolean checkpointDue;
    private volatile Thread writer;
    /** The last operator and policy records this replica wrote (lines as written, oldest first), for the console. */
    private final java.util.ArrayDeque<String> recentActions = new java.util.ArrayDeque<>(RECENT_ACTIONS);
    static final int RECENT_ACTIONS = 1000;

    @Autowired
    public AuditTrail(GuardProperties properties, AuditCheckpoints checkpoints, Clock clock, MeterRegistry meters) {
        this(properties.audit(), properties.replicaName(), checkpoints, clock, meters);
    }

    public AuditTrail(GuardProperties.Audit settings, String replica, AuditCheckpoints checkpoints, Clock clock,
                      MeterRegistry meters) {
        this.settings = settings;
        this.replica = replica;
        this.checkpoints = checkpoints;
        this.clock = clock;
        this.decisions = new ArrayBlockingQueue<>(Math.max(1, settings.queueCapacity()));
        this.dropped = Counter.builder("guard.audit.dropped")
                .description("Sampled decision records not written because the audit queue was full")
                .register(meters);
        this.written = Counter.builder("guard.audit.records").description("Audit records written").register(meters);
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Whether this decision should be sampled into the trail (rejections are always sampled at the same rate). */
    public boolean sampleDecision() {
        double rate = settings.decisionSampleRate();
        return settings.enabled() && rate > 0 && (rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate);
    }

    /** Queues a decision record (a JSON object text); never blocks. */
    public void decision(String dataJson) {
        if (!settings.enabled()) {
            return;
        }
        if (!decisions.offer(new String[]{"decision", dataJson})) {
            dropped.increment();
        }
    }

    /**
     * Writes an operator action or policy change now. Blocking: call it off the event loop.
     *
     * @throws IOException when the record could not be written (the action must then not be carried out)
     */
    public void record(String kind, String dataJson) throws IOException {
        if (!settings.enabled()) {
            return;
        }
        synchronized (lock) {
            String line = writeLocked(kind, dataJson);
            out.flush();
            if (recentActions.size() == RECENT_ACTIONS) {
                recentActions.removeFirst();
            }
            recentActions.addLast(line);
        }
        checkpointDue = true;
    }

    /** The last {@value #RECENT_ACTIONS} operator and policy records this replica wrote, newest first. */
    public List<String> recentActions() {
        synchronized (lock) {
            List<String> out = new ArrayList<>(recentActions);
            java.util.Collections.reverse(out);
            return out;
        }
    }

    private String writeLocked(String kind, String dataJson) throws IOException {
        if (out == null) {
            throw new IOException("audit trail is not open");
        }
        String line = chain.append(clock.instant(), kind, dataJson);
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
        written.increment();
        if (settings.logRecords()) {
            shipped.info(line);
        }
        return line;
    }

    /**
     * Publishes a signed checkpoint of the head, if it moved since the last one and one is due
     * (or {@code force}). Called by the writer thread; the store's write is asynchronous.
     */
    private void checkpoint(boolean force) {
        AuditCheckpoint c;
        synchronized (lock) {
            long now = clock.millis();
            boolean due = force || checkpointDue || now - checkpointedAt >= settings.checkpointInterval().toMillis();
            if (chain == null || !due || chain.seq() == 0 || chain.seq() == checkpointedSeq) {
                return;
            }
            checkpointDue = false;
            checkpointedAt = now;
            checkpointedSeq = chain.seq();
            c = chain.checkpoint(clock.instant());
        }
        shipped.info(c.line());
        try {
            checkpoints.publish(c);
        } catch (RuntimeException e) {
            log.warn("audit checkpoint {} not published: {}", c.seq(), e.getMessage());
        }
    }

    /** The checkpoints published by the fleet (or this process), for the verifier. Blocking. */
    public List<AuditCheckpoint> checkpoints() throws IOException {
        return checkpoints.read();
    }

    @Override
    public void start() {
        if (!settings.enabled()) {
            log.info("audit trail disabled (guard.audit.enabled=false)");
            return;
        }
        try {
            open(Path.of(settings.path()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open audit trail " + settings.path() + ": " + e.getMessage(), e);
        }
        Thread t = new Thread(this::drain, "audit-writer");
        t.setDaemon(true);
        writer = t;
        t.start();
    }

    private void open(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        AuditKey key = key(settings, file);
        AuditChain resumed = AuditChain.start(replica, key);
        if (Files.exists(file) && Files.size(file) > 0) {
            Optional<AuditVerifier.Tail> tail = AuditVerifier.tail(file);
            if (tail.isPresent()) {
                resumed = new AuditChain(replica, key, tail.get().seq(), tail.get().hash());
            } else {
                // The last line is not a record (e.g. a crash mid-write): keep the file as evidence and start anew.
                Path aside = file.resolveSibling(file.getFileName() + ".broken-" + clock.millis());
                Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
                log.warn("audit file {} ended with an incomplete record; moved it to {} and started a new chain", file, aside);
            }
        }
        synchronized (lock) {
            chain = resumed;
            out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        log.info("audit trail {} (replica {}, continuing at record {})", file.toAbsolutePath(), replica, resumed.seq());
        checkpoint(true);
    }

    /**
     * The configured key, else the one in {@code <file>.key}, created with a random secret on first use
     * (owner-only where the file system allows).
     */
    static AuditKey key(GuardProperties.Audit settings, Path file) throws IOException {
        if (!settings.key().isBlank()) {
            return AuditKey.of(settings.key(), "guard.audit.key");
        }
        Path keyFile = file.resolveSibling(file.getFileName() + ".key");
        if (!Files.exists(keyFile)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Files.writeString(keyFile, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions protect it
            }
            log.warn("guard.audit.key is not set: keyed the audit trail with a new key in {}; in production set "
                    + "guard.audit.key from a Secret, or whoever can write the audit file can rewrite it", keyFile);
        }
        return AuditKey.readFile(keyFile);
    }

    private void drain() {
        List<String[]> batch = new ArrayList<>(256);
        while (writer != null || !decisions.isEmpty()) {
            try {
                String[] first = decisions.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    checkpoint(false);
                    continue;
                }
                batch.add(first);
                decisions.drainTo(batch, 255);
                synchronized (lock) {
                    for (String[] record : batch) {
                        writeLocked(record[0], record[1]);
                    }
                    out.flush();
                }
                checkpoint(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                dropped.increment(batch.size());
                log.error("audit trail write failed, {} decision records lost: {}", batch.size(), e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    @Override
    public void stop() {
        Thread t = writer;
        writer = null;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        checkpoint(true);
        synchronized (lock) {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    log.warn("closing audit trail: {}", e.getMessage());
                }
                out = null;
            }
        }
    }

    @Override
    public boolean isRunning() {
        return writer != null;
    }

    /** Opens before, and closes after, the components that write to it. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 500;
    }
}
