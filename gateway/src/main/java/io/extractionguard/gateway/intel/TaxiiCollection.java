package io.extractionguard.gateway.intel;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * One TAXII 2.1 collection's objects in memory: the latest version of each object with the time it
 * was added (microseconds, strictly increasing, so {@code added_after} and paging never skip or
 * repeat an object). Adding an object whose version is already held changes nothing. Bounded: past
 * {@value #MAX_OBJECTS} objects the earliest added go. Thread-safe.
 */
public final class TaxiiCollection {

    public static final int MAX_OBJECTS = 100_000;

    /** An object as held: its version is {@code modified}, else {@code created}, else when it was added. */
    public record Entry(String id, String type, String version, String specVersion, Instant dateAdded, JsonNode object) {
    }

    /**
     * What to return: objects added after {@code addedAfter} (and after the {@code next} cursor), matching
     * each non-empty filter; {@code versions} are timestamps or {@code last}/{@code first}/{@code all}
     * (one version is held per object, so those three are the same).
     */
    public record Query(Instant addedAfter, Set<String> ids, Set<String> types, Set<String> versions,
                        Set<String> specVersions, int limit, Instant next) {
    }

    /** A page: its entries, whether more match, and the cursor for the next page. */
    public record Page(List<Entry> entries, boolean more, Instant next) {
    }

    private final String id;
    private final String alias;
    private final String title;
    private final String description;
    private final Map<String, Entry> byId = new HashMap<>();
    private final TreeMap<Instant, Entry> byDateAdded = new TreeMap<>();
    private Instant lastAdded = Instant.EPOCH;

    public TaxiiCollection(String alias, String title, String description) {
        this.id = UUID.nameUUIDFromBytes(("extraction-guard:taxii:" + alias).getBytes(StandardCharsets.UTF_8)).toString();
        this.alias = alias;
        this.title = title;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String alias() {
        return alias;
    }

    public String title() {
        return title;
    }

    public String description() {
        return description;
    }

    /** Adds the objects not held in this version; returns how many were added. */
    public synchronized int add(List<JsonNode> objects, Instant now) {
        int added = 0;
        for (JsonNode o : objects) {
            String objectId = o.path("id").asString("");
            if (objectId.isEmpty()) {
                continue;
            }
            String version = o.has("modified") ? o.get("modified").asString()
                    : o.has("created") ? o.get("created").asString() : null;
            Entry held = byId.get(objectId);
            if (held != null && version != null && version.equals(held.version())) {
                continue;
            }
            Instant at = now.truncatedTo(ChronoUnit.MICROS);
            lastAdded = at.isAfter(lastAdded) ? at : lastAdded.plus(1, ChronoUnit.MICROS);
            if (held != null) {
                byDateAdded.remove(held.dateAdded());
            }
            Entry e = new Entry(objectId, o.path("type").asString(""), version != null ? version : TaxiiTime.format(lastAdded),
                    o.path("spec_version").asString("2.1"), lastAdded, o);
            byId.put(objectId, e);
            byDateAdded.put(lastAdded, e);
            added++;
        }
        while (byId.size() > MAX_OBJECTS) {
            byId.remove(byDateAdded.pollFirstEntry().getValue().id());
        }
        return added;
    }

    /** The page {@code q} asks for, in the order objects were added. */
    public synchronized Page page(Query q) {
        Instant after = q.next() != null ? q.next() : q.addedAfter();
        List<Entry> out = new ArrayList<>(Math.min(q.limit(), 64));
        boolean more = false;
        for (Entry e : (after == null ? byDateAdded : byDateAdded.tailMap(after, false)).values()) {
            if (!matches(e, q)) {
                continue;
            }
            if (out.size() == q.limit()) {
                more = true;
                break;
            }
            out.add(e);
        }
        return new Page(List.copyOf(out), more, more ? out.getLast().dateAdded() : null);
    }

    private static boolean matches(Entry e, Query q) {
        return (q.ids().isEmpty() || q.ids().contains(e.id()))
                && (q.types().isEmpty() || q.types().contains(e.type()))
                && (q.specVersions().isEmpty() || q.specVersions().contains(e.specVersion()))
                && (q.versions().isEmpty() || q.versions().contains("last") || q.versions().contains("first")
                    || q.versions().contains("all") || q.versions().contains(e.version()));
    }

    /** Objects held. */
    public synchronized int size() {
        return byId.size();
    }
}
