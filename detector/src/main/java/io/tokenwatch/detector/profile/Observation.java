package io.tokenwatch.detector.profile;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.Locale;
import java.util.Objects;

/**
 * What one accepted request says about its subject's context, reduced to what a profile remembers:
 * open-ended identifiers (device ids, token ids, networks) as 64-bit hashes, text cut to bounded
 * lengths. Immutable.
 *
 * @param time         the request's event time, epoch ms
 * @param routeClass   its route class ({@link RouteClasses})
 * @param network      its client network ({@link NetworkIdentity}: ASN, home lines split by /24, or the
 *                     /24 or /48 without a resolver)
 * @param networkHash  {@link #network} as stored
 * @param networkKind  home line, office, mobile, anonymous (hosting, VPN, proxy, Tor) or unknown
 * @param anonymizer   the anonymous network's kind, or null when it is none (or not known to be one)
 * @param deviceHash   the service-supplied device id as stored, or null when there is none
 * @param tokenHash    the token id as stored ({@link UserProfile#tokenHash}), or null without one
 * @param userAgent    the user-agent family
 * @param country      ISO country code (upper case, at most 8 bytes), or null
 * @param lat          latitude, or null unless both coordinates are known
 * @param lon          longitude, or null unless both coordinates are known
 * @param radiusKm     the resolver's accuracy radius in km, or null when it gave none
 */
public record Observation(long time, String routeClass, String network, long networkHash,
                          NetworkIdentity.Kind networkKind, TokenUsageEvent.Anonymizer anonymizer, Long deviceHash, Long tokenHash, UaFamily userAgent,
                          String country, Double lat, Double lon, Integer radiusKm) {

    /** Longest country code stored, in UTF-8 bytes: ISO codes need 2, resolvers' oddities get 8. */
    public static final int MAX_COUNTRY_BYTES = 8;
    /**
     * An accuracy radius at least this large is a centroid (a country's or a region's), not a place:
     * such a location counts at country level only.
     */
    public static final int CENTROID_RADIUS_KM = 200;

    public Observation {
        Objects.requireNonNull(routeClass, "routeClass");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(networkKind, "networkKind");
        Objects.requireNonNull(userAgent, "userAgent");
        if ((lat == null) != (lon == null)) {
            throw new IllegalArgumentException("a location has both coordinates or neither");
        }
        if (radiusKm != null && radiusKm < 0) {
            throw new IllegalArgumentException("radius must not be negative");
        }
    }

    /**
     * The observation of {@code event}.
     *
     * @param event   an accepted event with a verified subject
     * @param classes how routes map to route classes
     */
    public static Observation of(TokenUsageEvent event, RouteClasses classes) {
        TokenUsageEvent.RequestFacts request = event.request();
        TokenUsageEvent.Geo geo = request.geo();
        NetworkIdentity network = NetworkIdentity.of(request);
        String device = request.deviceId();
        Long deviceHash = device == null || device.isBlank() ? null : Text.hash64(device);
        String jti = event.token() == null ? null : event.token().jti();
        Long tokenHash = jti == null ? null : UserProfile.tokenHash(jti);
        String country = geo == null || geo.country() == null || geo.country().isBlank() ? null
                : Text.truncateUtf8(geo.country().trim().toUpperCase(Locale.ROOT), MAX_COUNTRY_BYTES);
        boolean located = geo != null && geo.lat() != null && geo.lon() != null;
        return new Observation(event.eventTime(), classes.classOf(request.route()), network.id(),
                Text.hash64(network.id()), network.kind(), geo == null ? null : geo.anonymizer(), deviceHash, tokenHash, UaFamily.of(request.userAgent()),
                country, located ? geo.lat() : null, located ? geo.lon() : null,
                geo == null ? null : geo.accuracyRadiusKm());
    }

    public boolean isLocated() {
        return lat != null;
    }

    /**
     * Whether this request's coordinates say where the person is, to a city: located, on a fixed or
     * unknown line (never mobile: carrier-grade NAT sits at the gateway or the centroid, and roaming
     * is routed home; never anonymous: a VPN exit is not its user), and not a centroid.
     */
    public boolean isPlace() {
        return isLocated() && networkKind != NetworkIdentity.Kind.MOBILE && networkKind != NetworkIdentity.Kind.ANONYMOUS
                && (radiusKm == null || radiusKm < CENTROID_RADIUS_KM);
    }

    /** Whether switching to or from this network now and then is ordinary ({@link NetworkIdentity#isWobbly()}). */
    public boolean isWobbly() {
        return networkKind != NetworkIdentity.Kind.HOME;
    }

    /** Whether the network is a hosting, VPN, proxy or Tor exit. */
    public boolean isAnonymous() {
        return networkKind == NetworkIdentity.Kind.ANONYMOUS;
    }

    /**
     * The UTC offset in whole hours that this request's longitude suggests (solar time), when it is a
     * {@link #isPlace() place}; null otherwise. Good to an hour or two, which is what judging a user's
     * hours needs (zone borders and daylight saving move less than the tolerance).
     */
    public Integer offsetHint() {
        if (!isPlace()) {
            return null;
        }
        return (int) Math.round(lon / 15.0);
    }
}
