package io.tokenwatch.detector.profile;

/**
 * Where a subject's located requests recently came from: requests within the same-place radius of
 * each other share one place, which follows the latest of them. Immutable.
 *
 * @param lat      latitude of the latest request here, degrees
 * @param lon      longitude of the latest request here, degrees
 * @param country  its country, if the resolver gave one (at most 8 bytes)
 * @param network  {@link Observation#networkHash()} of the latest request here
 * @param lastSeen the latest request here, epoch ms (exact: travel speed needs it)
 */
public record Place(float lat, float lon, String country, long network, long lastSeen) {

    private static final double EARTH_RADIUS_KM = 6371.0088;

    public Place {
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
            throw new IllegalArgumentException("coordinates out of range");
        }
    }

    /** Great-circle distance from here to ({@code lat}, {@code lon}), km (haversine, mean Earth radius). */
    public double distanceKm(double toLat, double toLon) {
        return haversineKm(lat, lon, toLat, toLon);
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
