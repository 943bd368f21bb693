package io.extractionguard.gateway.intel;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * TAXII 2.1 on the management port and the peers this gateway polls ({@code docs/intel.md}).
 *
 * @param producer name of this gateway's identity in what it shares
 * @param validity how long shared indicators stay valid after their last sighting
 * @param readers  operators who may read the {@code campaign-evidence} collection: names, or {@code *} for any
 *                 operator with the {@code intel} role
 * @param writers  operators who may add objects to the {@code inbox} collection (same form)
 * @param peers    peer collections polled for indicators
 */
@ConfigurationProperties("guard.taxii")
public record TaxiiProperties(@DefaultValue("extraction-guard") String producer,
                              @DefaultValue("30d") Duration validity,
                              @DefaultValue("*") List<String> readers,
                              @DefaultValue("*") List<String> writers,
                              @DefaultValue List<Peer> peers) {

    /**
     * One peer collection.
     *
     * @param name              the peer's name: indicators' source when the bundle names none, metrics, watermark key
     * @param collection        the collection's URL ({@code …/api1/collections/<id>/})
     * @param token             bearer token the peer issued to this gateway (from a Secret); never logged
     * @param interval          how soon what the peer adds is applied here: the fleet polls every half of it
     * @param defaultConfidence confidence of indicators stating none
     * @param maxConfidence     confidence ceiling for this peer's indicators
     * @param pageSize          objects asked per page ({@code limit})
     */
    public record Peer(String name, URI collection, @DefaultValue("") String token, @DefaultValue("5m") Duration interval,
                       @DefaultValue("50") int defaultConfidence, @DefaultValue("100") int maxConfidence,
                       @DefaultValue("500") int pageSize) {

        public Peer {
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("guard.taxii.peers[].name: 1-64 characters [A-Za-z0-9._-], was " + name);
            }
            if (collection == null || !collection.isAbsolute() || collection.getUserInfo() != null) {
                throw new IllegalArgumentException("guard.taxii.peers[" + name + "].collection: an absolute http(s) URL "
                        + "without credentials (the token goes in .token)");
            }
            if (interval.toMillis() < 100) {
                throw new IllegalArgumentException("guard.taxii.peers[" + name + "].interval: at least 100ms, was " + interval);
            }
            if (defaultConfidence < 0 || defaultConfidence > 100 || maxConfidence < 0 || maxConfidence > 100) {
                throw new IllegalArgumentException("guard.taxii.peers[" + name + "]: confidences are 0-100");
            }
            if (pageSize < 1 || pageSize > 1000) {
                throw new IllegalArgumentException("guard.taxii.peers[" + name + "].page-size: 1-1000, was " + pageSize);
            }
        }

        /** Never the token (records print their components). */
        @Override
        public String toString() {
            return "Peer[name=" + name + ", collection=" + collection + ", token=" + (token.isEmpty() ? "" : "***")
                    + ", interval=" + interval + ", defaultConfidence=" + defaultConfidence + ", maxConfidence="
                    + maxConfidence + ", pageSize=" + pageSize + "]";
        }
    }

    /** Whether {@code operator} (holding the intel role or not) is on {@code list}. */
    public static boolean allowed(List<String> list, String operator, boolean hasIntelRole) {
        return list.contains(operator) || hasIntelRole && list.contains("*");
    }
}
