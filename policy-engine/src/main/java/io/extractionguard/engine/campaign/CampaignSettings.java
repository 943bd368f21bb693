package io.extractionguard.engine.campaign;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import io.extractionguard.engine.action.Mode;

/**
 * The {@code campaign} section of a policy: cross-account correlation. Absent from a policy, it is
 * {@link #DISABLED} and the engine does no campaign work at all.
 *
 * @param enabled             whether correlation runs
 * @param mode                ENFORCE, or SHADOW to report campaign contributions without counting any
 * @param correlationInterval how often the correlator publishes indicator evidence
 * @param suspectLow          behaviour score (signals plus the account's own template evidence) at or
 *                            below which an account is not a suspect
 * @param suspectHigh         behaviour score from which it is a full suspect
 * @param suspectContent      mean content score of an account's requests at which its behaviour score fully
 *                            counts towards suspicion (below, proportionally less)
 * @param suspicionHalfLife   how fast an account's remembered (peak) suspicion fades
 * @param fullSuspects        suspicion summed over the other sampled accounts of a shared value at which the
 *                            value is full evidence (4: four full suspects, or eight half-suspects)
 * @param minSuspects         that sum at or below which the value is no evidence at all (1: one full suspect,
 *                            whose own score already answers for it, links nobody)
 * @param template            the template indicator
 * @param content             what makes a request harvesting-shaped (template heat)
 * @param rotation            the rotation indicator ({@link RotationSettings#OFF} when not configured)
 * @param indicators          weights of the shared-value indicators; kinds left out are not tracked
 * @param structure           structural conviction of coordinated clusters ({@link StructureSettings#OFF} when not configured)
 */
public record CampaignSettings(
        boolean enabled,
        Mode mode,
        Duration correlationInterval,
        double suspectLow,
        double suspectHigh,
        double suspectContent,
        Duration suspicionHalfLife,
        double fullSuspects,
        double minSuspects,
        TemplateSettings template,
        ContentWeights content,
        RotationSettings rotation,
        Map<IndicatorKind, IndicatorSettings> indicators,
        StructureSettings structure) {

    public static final CampaignSettings DISABLED = new CampaignSettings(false, Mode.SHADOW, Duration.ofSeconds(30),
            30, 60, 0.5, Duration.ofHours(12), 4, 1, TemplateSettings.DEFAULT, ContentWeights.DEFAULT, RotationSettings.OFF,
            Map.of(), StructureSettings.OFF);

    public CampaignSettings {
        Map<IndicatorKind, IndicatorSettings> copy = new EnumMap<>(IndicatorKind.class);
        copy.putAll(indicators);
        indicators = java.util.Collections.unmodifiableMap(copy);
    }

    /** The settings of {@code kind}, or null when the policy does not track it. */
    public IndicatorSettings indicator(IndicatorKind kind) {
        return indicators.get(kind);
    }

    /** Whether contributions of an indicator in {@code own} mode count only in the shadow score. */
    public boolean shadow(Mode own) {
        return mode == Mode.SHADOW || own == Mode.SHADOW;
    }
}
