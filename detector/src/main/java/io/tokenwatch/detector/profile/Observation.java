package io.tokenwatch.detector.profile;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.Locale;
import java.util.Objects;

/**
 * What one accepted request says about its subject's context, reduced to what a profile remembers:
 * open-ended identifiers (device ids, networks) as 64-bit hashes, text cut to bounded lengths.
 * Immutable.
 *
 * @param time         the request's event time, epoch ms
 * @param routeClass   its route class ({@link RouteClasses})
 * @param network      its client network for people: {@code AS<n>} when the resolver gave an ASN,
 *                     otherwise the /24 (IPv4) or /48 (IPv6)
 * @param networkHash  {@link #network} as stored
 * @param deviceHash   the service-supplied device id as stored, or null when there is none
 * @param userAgent    the user-agent family
 * @param country      ISO country code (upper case, at most 8 bytes), or null
 * @param lat          latitude, or null unless both coordinates are known
 * @param lon          longitude, or null unless both coordinates are known
 */
public record Observation(long time, String routeClass, String network, long networkHash, Long deviceHash,
                          UaFamily userAgent, String country, Double lat, Double lon) {

    /** Longest country code stored, in UTF-8 bytes: ISO codes need 2, resolvers' oddities get 8. */
    public static final int MAX_COUNTRY_BYTES = 8;

    public Observation {
        Objects.requireNonNull(routeClass, "routeClass");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(userAgent, "userAgent");
        if ((lat == null) != (lon == null)) {
            throw new IllegalArgumentException("a location has both coordinates or neither");
        }
    }

    /**
     * The observation of {@code event}, whose client network (without ASN) is {@code ipNetwork}.
     *
     * @param event     an accepted event with a verified subject
     * @param classes   how routes map to route classes
     * @param ipNetwork the /24 or /48 of the client address, used when the event carries no ASN
     */
    public static Observation of(TokenUsageEvent event, RouteClasses classes, String ipNetwork) {
        TokenUsageEvent.RequestFacts request = event.request();
        TokenUsageEvent.Geo geo = request.geo();
        String network = geo != null && geo.asn() != null ? "AS" + geo.asn() : ipNetwork;
        String device = request.deviceId();
        Long deviceHash = device == null || device.isBlank() ? null : Text.hash64(device);
        String country = geo == null || geo.country() == null || geo.country().isBlank() ? null
                : Text.truncateUtf8(geo.country().trim().toUpperCase(Locale.ROOT), MAX_COUNTRY_BYTES);
        boolean located = geo != null && geo.lat() != null && geo.lon() != null;
        return new Observation(event.eventTime(), classes.classOf(request.route()), network, Text.hash64(network),
                deviceHash, UaFamily.of(request.userAgent()), country, located ? geo.lat() : null,
                located ? geo.lon() : null);
    }

    public boolean isLocated() {
        return lat != null;
    }

    public int hour() {
        return HourHistogram.hourOf(time);
    }
}
