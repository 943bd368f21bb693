package io.extractionguard.engine.intel;

import java.util.Locale;
import java.util.Optional;

/**
 * Traffic Light Protocol 2.0 levels, as the STIX 2.1 marking definitions OASIS publishes for them
 * (the {@code tlp-2.0} extension of {@code cti-stix-common-objects}): fixed ids every STIX tool
 * recognises, so a peer's tooling applies the sharing limits without a look-up.
 */
public enum Tlp {
    CLEAR("94868c89-83c2-464b-929b-a1a8aa3c8487"),
    GREEN("bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
    AMBER("55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
    AMBER_STRICT("939a9414-2ddd-4d32-a0cd-375ea402b003"),
    RED("e828b379-4e03-4974-9ac4-e53a884c97c1");

    /** The extension definition under which the marking definitions carry their level. */
    public static final String EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
    /** The identity that created the TLP 2.0 marking definitions (OASIS CTI TC). */
    public static final String CREATOR = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01";
    /** Their {@code created} timestamp. */
    public static final String CREATED = "2022-10-01T00:00:00.000Z";

    private final String uuid;

    Tlp(String uuid) {
        this.uuid = uuid;
    }

    /** {@code marking-definition--…}: what {@code object_marking_refs} lists. */
    public String markingId() {
        return "marking-definition--" + uuid;
    }

    /** {@code clear}, {@code green}, {@code amber}, {@code amber+strict}, {@code red}: the {@code tlp_2_0} value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '+');
    }

    /** {@code TLP:AMBER+STRICT}: the marking definition's name. */
    public String displayName() {
        return "TLP:" + name().replace('_', '+');
    }

    /** The level named {@code s} ({@code amber+strict}, {@code AMBER_STRICT}, {@code TLP:AMBER}…), if it is one. */
    public static Optional<Tlp> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        String t = s.trim().toUpperCase(Locale.ROOT);
        t = (t.startsWith("TLP:") ? t.substring(4) : t).replace('+', '_').replace('-', '_');
        for (Tlp tlp : values()) {
            if (tlp.name().equals(t)) {
                return Optional.of(tlp);
            }
        }
        return Optional.empty();
    }

    /** The level whose marking definition has id {@code markingId}, if it is a TLP 2.0 one. */
    public static Optional<Tlp> ofMarking(String markingId) {
        for (Tlp tlp : values()) {
            if (tlp.markingId().equals(markingId)) {
                return Optional.of(tlp);
            }
        }
        return Optional.empty();
    }
}
