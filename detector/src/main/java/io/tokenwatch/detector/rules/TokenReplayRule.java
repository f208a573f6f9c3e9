package io.tokenwatch.detector.rules;

import java.time.Duration;

/**
 * Configuration of the token-replay rule: one token ({@code jti}) used within {@code window} from at
 * least {@code minNetworks} distinct client networks, or from at least {@code minDevices} distinct
 * device ids, or from at least {@code minCountries} distinct countries, is taken to be stolen. A
 * token is issued to one client: it normally stays on one device, in one country, and on one or two
 * networks (a phone moving between Wi-Fi and mobile data).
 *
 * @param minNetworks     distinct networks that make a replay (at least 2)
 * @param window          how far back uses count
 * @param maxClockSkew    the largest skew any filter allows; a revoked token stays revoked this long
 *                        past its {@code exp}, since filters accept it until then
 * @param fallbackTtl     how long to revoke a token that carries no {@code exp}
 * @param maxTrackedUses  networks, devices and countries remembered per token, each (bounds state
 *                        under a flood)
 * @param minDevices      distinct device ids (as the service reports them) that make a replay; 0 turns
 *                        the device dimension off, otherwise at least 2. Requests without a device id
 *                        do not count
 * @param minCountries    distinct countries (as the geo resolver reports them) that make a replay; 0
 *                        turns the country dimension off, otherwise at least 2. Requests without a
 *                        country do not count
 */
public record TokenReplayRule(int minNetworks, Duration window, Duration maxClockSkew, Duration fallbackTtl,
                              int maxTrackedUses, int minDevices, int minCountries) {

    public static final String NAME = "token_replay";
    public static final String VERSION = "2";

    public TokenReplayRule {
        if (minNetworks < 2) {
            throw new IllegalArgumentException("min networks must be at least 2");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
        requireOffOrAtLeastTwo(minDevices, "min devices");
        requireOffOrAtLeastTwo(minCountries, "min countries");
        if (maxTrackedUses < Math.max(minNetworks, Math.max(minDevices, minCountries))) {
            throw new IllegalArgumentException("max tracked uses must be at least every threshold");
        }
    }

    /** The first release's settings: networks only, devices and countries off. */
    public TokenReplayRule(int minNetworks, Duration window, Duration maxClockSkew, Duration fallbackTtl,
                           int maxTrackedUses) {
        this(minNetworks, window, maxClockSkew, fallbackTtl, maxTrackedUses, 0, 0);
    }

    /**
     * 3 networks, 2 devices or 3 countries within 5 minutes. Two countries are not enough: a carrier's
     * egress or a VPN toggling can put one honest client in two countries within minutes, and distant
     * countries are the impossible-travel rule's finding anyway; a device id is the service's own and
     * does not move between clients.
     */
    public static TokenReplayRule defaults() {
        return new TokenReplayRule(3, Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofHours(1), 16, 2, 3);
    }

    public TokenReplayRule withMinNetworks(int value) {
        return new TokenReplayRule(value, window, maxClockSkew, fallbackTtl, maxTrackedUses, minDevices,
                minCountries);
    }

    public TokenReplayRule withWindow(Duration value) {
        return new TokenReplayRule(minNetworks, value, maxClockSkew, fallbackTtl, maxTrackedUses, minDevices,
                minCountries);
    }

    /** Distinct device ids that make a replay; 0 for off. */
    public TokenReplayRule withMinDevices(int value) {
        return new TokenReplayRule(minNetworks, window, maxClockSkew, fallbackTtl, maxTrackedUses, value,
                minCountries);
    }

    /** Distinct countries that make a replay; 0 for off. */
    public TokenReplayRule withMinCountries(int value) {
        return new TokenReplayRule(minNetworks, window, maxClockSkew, fallbackTtl, maxTrackedUses, minDevices,
                value);
    }

    private static void requireOffOrAtLeastTwo(int value, String name) {
        if (value != 0 && value < 2) {
            throw new IllegalArgumentException(name + " must be 0 (off) or at least 2, was " + value);
        }
    }
}
