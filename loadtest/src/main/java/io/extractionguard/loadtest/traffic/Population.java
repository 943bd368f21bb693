package io.extractionguard.loadtest.traffic;

/** One kind of traffic: it creates its accounts and their requests within the trace window. */
interface Population {

    /** The trace label of its requests: {@code organic/...}, {@code hard/...} or {@code campaign/...}. */
    String label();

    /** Adds about {@code requests} events to {@code out}. */
    void generate(TraceContext ctx, int requests, Rng rng);
}
