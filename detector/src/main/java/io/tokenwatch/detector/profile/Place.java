package io.tokenwatch.detector.profile;

/**
 * The latest located request of one holder of a subject's tokens: a device (by its service-supplied
 * id) or, for a client without one, a token. Travel is judged per holder, against that holder's own
 * previous place, so a phone and a laptop in use at once are two devices, not two places. Only
 * requests whose location says where a person is ({@link Observation#isPlace()}) become places:
 * never mobile or anonymous networks, never centroids. Immutable.
 *
 * @param lat      latitude of the latest request, degrees
 * @param lon      longitude of the latest request, degrees
 * @param country  its country, if the resolver gave one (at most 8 bytes)
 * @param network  {@link Observation#networkHash()} of the latest request
 * @param lastSeen the latest request, epoch ms (exact: travel speed needs it)
 * @param radiusKm the resolver's accuracy radius of that request, km (0 when it gave none)
 * @param holder   the device hash or, without a device id, the token hash; 0 when neither was known
 */
public record Place(float lat, float lon, String country, long network, long lastSeen, int radiusKm, long holder) {

    private static final double EARTH_RADIUS_KM = 6371.0088;

    public Place {
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
            throw new IllegalArgumentException("coordinates out of range");
        }
        if (radiusKm < 0 || radiusKm > 0xffff) {
            throw new IllegalArgumentException("radius out of range");
        }
    }

    /** Great-circle distance from here to ({@code lat}, {@code lon}), km (haversine, mean Earth radius). */
    public double distanceKm(double toLat, double toLon) {
        return haversineKm(lat, lon, toLat, toLon);
    }

    /**
     * How far apart this place and a request at ({@code toLat}, {@code toLon}) located within
     * {@code toRadiusKm} can be shown to be: the distance minus both accuracy radii, never negative.
     */
    public double separationKm(double toLat, double toLon, int toRadiusKm) {
        return Math.max(0, distanceKm(toLat, toLon) - radiusKm - toRadiusKm);
    }

    /** Great-circle distance between two points, km. */
    public static double haversineKm(double lat1, double lon1, double lat2, double lon2) {
        double dLat = Math.toRadians(lat2 - lat1);
        double dLon = Math.toRadians(lon2 - lon1);
        double a = Math.sin(dLat / 2) * Math.sin(dLat / 2)
                + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.sin(dLon / 2)
                * Math.sin(dLon / 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
    }
}
