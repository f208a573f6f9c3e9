package io.tokenwatch.detector.rules;

import java.time.Duration;

/**
 * Configuration of the token-replay rule: one token ({@code jti}) used from at least
 * {@code minNetworks} distinct client networks within {@code window} is taken to be stolen.
 *
 * @param minNetworks     distinct networks that make a replay (at least 2)
 * @param window          how far back uses count
 * @param maxClockSkew    the largest skew any filter allows; a revoked token stays revoked this long
 *                        past its {@code exp}, since filters accept it until then
 * @param fallbackTtl     how long to revoke a token that carries no {@code exp}
 * @param maxTrackedUses  networks remembered per token (bounds state under a flood)
 */
public record TokenReplayRule(int minNetworks, Duration window, Duration maxClockSkew, Duration fallbackTtl,
                              int maxTrackedUses) {

    public static final String NAME = "token_replay";
    public static final String VERSION = "1";

    public TokenReplayRule {
        if (minNetworks < 2) {
            throw new IllegalArgumentException("min networks must be at least 2");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
        if (maxTrackedUses < minNetworks) {
            throw new IllegalArgumentException("max tracked uses must be at least min networks");
        }
    }

    /** 3 networks within 5 minutes. */
    public static TokenReplayRule defaults() {
        return new TokenReplayRule(3, Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofHours(1), 16);
    }

    public TokenReplayRule withMinNetworks(int value) {
        return new TokenReplayRule(value, window, maxClockSkew, fallbackTtl, maxTrackedUses);
    }

    public TokenReplayRule withWindow(Duration value) {
        return new TokenReplayRule(minNetworks, value, maxClockSkew, fallbackTtl, maxTrackedUses);
    }
}
