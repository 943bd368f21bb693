package io.extractionguard.gateway.state.redis;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The {@code guard.campaign.sync.*} meters of the campaign evidence batches ({@link CampaignSync}). */
final class CampaignSyncMetrics {

    final Counter shipped;
    final Counter batches;
    final Counter applied;
    final Counter folded;
    final Counter corrupt;
    final Counter valueBytes;
    final Counter bucketBytes;
    final Counter accountBytes;
    final Counter valueWrites;
    final Counter valueReads;
    final Counter valueSkips;
    final Counter accountsHeld;

    CampaignSyncMetrics(MeterRegistry meters, CampaignNotes notes) {
        this.shipped = Counter.builder("guard.campaign.sync.shipped")
                .description("Account entries this replica wrote (one per account and batch; its values and buckets "
                        + "went with them)").register(meters);
        this.batches = Counter.builder("guard.campaign.sync.batches")
                .description("Batches this replica sent to Redis (each took everything touched before it began): "
                        + "what a killed replica had flushed").register(meters);
        this.applied = Counter.builder("guard.campaign.sync.applied")
                .description("Account records of other replicas applied here (accounts this replica serves)").register(meters);
        this.folded = Counter.builder("guard.campaign.sync.folded")
                .description("Fleet-wide values and template buckets folded into this replica's evidence").register(meters);
        this.corrupt = Counter.builder("guard.campaign.sync.decode.errors")
                .description("Campaign replies and account records that could not be decoded and were skipped")
                .register(meters);
        this.valueBytes = replyBytes("value", meters);
        this.bucketBytes = replyBytes("bucket", meters);
        this.accountBytes = replyBytes("account", meters);
        this.valueWrites = valuePlan("write", "a note changes the fleet's sample", meters);
        this.valueReads = valuePlan("read", "nothing to write, the copy here is stale", meters);
        this.valueSkips = valuePlan("skip", "nothing to write, the copy here is fresh", meters);
        this.accountsHeld = Counter.builder("guard.campaign.sync.accounts.held")
                .description("Touched accounts whose records stayed here (no other replica is known to serve them)")
                .register(meters);
        FunctionCounter.builder("guard.campaign.sync.dropped", notes.dropped(), AtomicInteger::get)
                .description("Touched campaign keys that did not fit the outage buffer: kept on this replica only")
                .register(meters);
        Gauge.builder("guard.campaign.sync.pending", notes.pending(), AtomicInteger::get)
                .description("Touched campaign keys waiting for the next batch to Redis").register(meters);
    }

    private static Counter valuePlan(String plan, String when, MeterRegistry meters) {
        return Counter.builder("guard.campaign.sync.values").tag("plan", plan)
                .description("Touched indicator values, by what a batch did with them (" + plan + ": " + when + ")")
                .register(meters);
    }

    private static Counter replyBytes(String kind, MeterRegistry meters) {
        return Counter.builder("guard.campaign.sync.reply.bytes").tag("key", kind)
                .description("Payload bytes of the fleet-wide state Redis answered with, by kind of key").register(meters);
    }
}
