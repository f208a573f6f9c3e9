package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;
import io.tokenwatch.detector.profile.ProfileSettings;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the per-user profile and the rules judged against it ({@link UserProfileProcessor}).
 * Immutable.
 *
 * @param profile          how profiles learn, how big they may grow, how long they live, and the
 *                         learning period before baseline rules may fire
 * @param rateSpike        the rate-spike rule (a baseline rule)
 * @param newContext       the new-context rule (a baseline rule)
 * @param impossibleTravel the impossible-travel rule
 * @param concurrentUse    the concurrent-use rule
 * @param response         which actions each rule and severity gets
 * @param throttleTtl      how long a subject throttle lasts
 * @param subjectRevocationTtl how long a subject revocation lasts; must outlast the longest token
 *                         lifetime plus the largest clock skew, since tokens issued before
 *                         {@code not_before} live that long
 * @param maxClockSkew     the largest skew any filter allows; a revoked token stays revoked this long
 *                         past its {@code exp}
 * @param fallbackTokenTtl how long to revoke a token that carries no {@code exp}
 * @param incidents        how repeats of one rule about one subject are grouped into one incident
 * @param anonymousNetwork the anonymous-network rule (a baseline rule)
 * @param corroborationWindow how long a subject's signals are remembered to corroborate a later finding
 */
public record UserProfileRules(ProfileSettings profile, RateSpikeRule rateSpike, NewContextRule newContext,
                               ImpossibleTravelRule impossibleTravel, ConcurrentUseRule concurrentUse,
                               ResponsePolicy response, Duration throttleTtl, Duration subjectRevocationTtl,
                               Duration maxClockSkew, Duration fallbackTokenTtl, IncidentPolicy incidents,
                               AnonymousNetworkRule anonymousNetwork, Duration corroborationWindow) {

    public UserProfileRules {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(rateSpike, "rateSpike");
        Objects.requireNonNull(newContext, "newContext");
        Objects.requireNonNull(impossibleTravel, "impossibleTravel");
        Objects.requireNonNull(concurrentUse, "concurrentUse");
        Objects.requireNonNull(response, "response");
        requirePositive(throttleTtl, "throttle ttl");
        requirePositive(subjectRevocationTtl, "subject revocation ttl");
        Objects.requireNonNull(maxClockSkew, "maxClockSkew");
        requirePositive(fallbackTokenTtl, "fallback token ttl");
        Objects.requireNonNull(incidents, "incidents");
        Objects.requireNonNull(anonymousNetwork, "anonymousNetwork");
        requirePositive(corroborationWindow, "corroboration window");
    }

    /** The rules without the anonymous-network rule and corroboration window (defaults for those). */
    public UserProfileRules(ProfileSettings profile, RateSpikeRule rateSpike, NewContextRule newContext,
                            ImpossibleTravelRule impossibleTravel, ConcurrentUseRule concurrentUse,
                            ResponsePolicy response, Duration throttleTtl, Duration subjectRevocationTtl,
                            Duration maxClockSkew, Duration fallbackTokenTtl, IncidentPolicy incidents) {
        this(profile, rateSpike, newContext, impossibleTravel, concurrentUse, response, throttleTtl,
                subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, AnonymousNetworkRule.defaults(),
                DEFAULT_CORROBORATION_WINDOW);
    }

    /** Signals of one subject within this long corroborate each other. */
    public static final Duration DEFAULT_CORROBORATION_WINDOW = Duration.ofMinutes(30);

    /**
     * Default profile settings and rules; the default {@link ResponsePolicy}; throttles of 15 min,
     * subject revocations of 24 h, revoked tokens kept 5 min past {@code exp} (1 h without one);
     * incidents with a 10 min cooldown, updated at most once a minute; the anonymous-network rule at
     * medium weight; signals corroborating each other within 30 minutes.
     */
    public static UserProfileRules defaults() {
        return new UserProfileRules(ProfileSettings.defaults(), RateSpikeRule.defaults(), NewContextRule.defaults(),
                ImpossibleTravelRule.defaults(), ConcurrentUseRule.defaults(), ResponsePolicy.defaults(),
                Duration.ofMinutes(15), Duration.ofHours(24), Duration.ofMinutes(5), Duration.ofHours(1),
                IncidentPolicy.defaults());
    }

    public UserProfileRules withProfile(ProfileSettings value) {
        return new UserProfileRules(value, rateSpike, newContext, impossibleTravel, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withRateSpike(RateSpikeRule value) {
        return new UserProfileRules(profile, value, newContext, impossibleTravel, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withNewContext(NewContextRule value) {
        return new UserProfileRules(profile, rateSpike, value, impossibleTravel, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withImpossibleTravel(ImpossibleTravelRule value) {
        return new UserProfileRules(profile, rateSpike, newContext, value, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withConcurrentUse(ConcurrentUseRule value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, value, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withResponse(ResponsePolicy value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, concurrentUse, value,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withThrottleTtl(Duration value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, concurrentUse, response,
                value, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withSubjectRevocationTtl(Duration value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, concurrentUse, response,
                throttleTtl, value, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withIncidents(IncidentPolicy value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, value, anonymousNetwork, corroborationWindow);
    }

    public UserProfileRules withAnonymousNetwork(AnonymousNetworkRule value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, value,
                corroborationWindow);
    }

    public UserProfileRules withCorroborationWindow(Duration value) {
        return new UserProfileRules(profile, rateSpike, newContext, impossibleTravel, concurrentUse, response,
                throttleTtl, subjectRevocationTtl, maxClockSkew, fallbackTokenTtl, incidents, anonymousNetwork,
                value);
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
