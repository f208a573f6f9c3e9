package io.tokenwatch.launcher.bench;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The synthetic world the traffic generator places users and attackers in: cities with their
 * coordinates and UTC offsets, and per city the networks a geolocation resolver would report
 * (broadband, business, mobile, hosting), each an ASN shared country-wide and a /16 of its own in that
 * city. Addresses and ASNs are made up but well-formed and stable. Immutable and thread-safe.
 */
final class Geography {

    /** A city as a resolver reports it: country, region, centroid, and its standard UTC offset. */
    record City(String name, String country, String region, double lat, double lon, int utcOffsetHours) {
    }

    /** What kind of network an address belongs to. */
    enum Kind { BROADBAND_A, BROADBAND_B, BUSINESS, MOBILE, HOSTING }

    /** One network in one city: its ASN and the /16 its addresses come from. */
    record Network(Kind kind, long asn, int octetA, int octetB, City city) {
        String address(int c, int d) {
            return octetA + "." + octetB + "." + c + "." + d;
        }

        /** A random host in a random /24 of this network. */
        String randomAddress(SplittableRandom random) {
            return address(random.nextInt(256), 1 + random.nextInt(254));
        }

        /** Geo as a city-level resolver reports it: the centroid, moved a little per network. */
        TokenUsageEvent.Geo geo() {
            double shift = ((octetB * 37 + kind.ordinal() * 11) % 21 - 10) / 100.0; // ±0.1° ≈ ±11 km
            return new TokenUsageEvent.Geo(city.country(), city.region(), round4(city.lat() + shift),
                    round4(city.lon() - shift), asn);
        }
    }

    /** Where benign users live: a European and a North American cluster, so trains reach neighbours. */
    static final List<City> HOMES = List.of(
            new City("Berlin", "DE", "BE", 52.520, 13.405, 1),
            new City("Hamburg", "DE", "HH", 53.551, 9.994, 1),
            new City("Munich", "DE", "BY", 48.137, 11.575, 1),
            new City("Frankfurt", "DE", "HE", 50.110, 8.682, 1),
            new City("Cologne", "DE", "NW", 50.938, 6.960, 1),
            new City("Paris", "FR", "IDF", 48.857, 2.352, 1),
            new City("Lyon", "FR", "ARA", 45.764, 4.836, 1),
            new City("Amsterdam", "NL", "NH", 52.370, 4.895, 1),
            new City("Brussels", "BE", "BRU", 50.850, 4.352, 1),
            new City("Vienna", "AT", "9", 48.208, 16.373, 1),
            new City("Zurich", "CH", "ZH", 47.377, 8.540, 1),
            new City("Prague", "CZ", "10", 50.076, 14.438, 1),
            new City("Warsaw", "PL", "14", 52.230, 21.012, 1),
            new City("Copenhagen", "DK", "84", 55.676, 12.568, 1),
            new City("Milan", "IT", "25", 45.464, 9.190, 1),
            new City("Madrid", "ES", "MD", 40.417, -3.704, 1),
            new City("London", "GB", "ENG", 51.507, -0.128, 0),
            new City("Manchester", "GB", "ENG", 53.481, -2.243, 0),
            new City("Dublin", "IE", "L", 53.350, -6.260, 0),
            new City("Lisbon", "PT", "11", 38.722, -9.139, 0),
            new City("New York", "US", "NY", 40.713, -74.006, -5),
            new City("Boston", "US", "MA", 42.360, -71.059, -5),
            new City("Washington", "US", "DC", 38.907, -77.037, -5),
            new City("Chicago", "US", "IL", 41.878, -87.630, -6),
            new City("Toronto", "CA", "ON", 43.653, -79.383, -5),
            new City("Montreal", "CA", "QC", 45.502, -73.567, -5));

    /** Where stolen tokens are used from: other continents. */
    static final List<City> FAR = List.of(
            new City("Lagos", "NG", "LA", 6.524, 3.379, 1),
            new City("Sao Paulo", "BR", "SP", -23.551, -46.633, -3),
            new City("Jakarta", "ID", "JK", -6.208, 106.846, 7),
            new City("Ho Chi Minh City", "VN", "SG", 10.823, 106.630, 7),
            new City("Singapore", "SG", "01", 1.352, 103.820, 8),
            new City("Manila", "PH", "NCR", 14.600, 120.984, 8),
            new City("Bangalore", "IN", "KA", 12.972, 77.595, 5),
            new City("Johannesburg", "ZA", "GT", -26.204, 28.047, 2),
            new City("Buenos Aires", "AR", "C", -34.604, -58.382, -3),
            new City("Seoul", "KR", "11", 37.567, 126.978, 9));

    private static final int[] FIRST_OCTETS = {31, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
            91, 92, 93, 94, 95, 109, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217};

    private final Map<City, Map<Kind, Network>> networks = new HashMap<>();

    Geography() {
        Map<String, Integer> countries = new LinkedHashMap<>();
        int k = 0;
        List<City> all = new ArrayList<>(HOMES);
        all.addAll(FAR);
        for (City city : all) {
            int country = countries.computeIfAbsent(city.country(), c -> countries.size());
            Map<Kind, Network> here = new HashMap<>();
            for (Kind kind : Kind.values()) {
                long asn = 3000 + country * 10L + kind.ordinal();
                here.put(kind, new Network(kind, asn, FIRST_OCTETS[k % FIRST_OCTETS.length], k / FIRST_OCTETS.length,
                        city));
                k++;
            }
            networks.put(city, here);
        }
    }

    Network network(City city, Kind kind) {
        return networks.get(city).get(kind);
    }

    /** Cities a train reaches in a few hours from {@code home}: 150 to 900 km away. */
    static List<City> trainDestinations(City home) {
        return HOMES.stream().filter(c -> {
            double d = distanceKm(home.lat(), home.lon(), c.lat(), c.lon());
            return d >= 150 && d <= 900;
        }).toList();
    }

    /** Great-circle distance (haversine, mean Earth radius). */
    static double distanceKm(double lat1, double lon1, double lat2, double lon2) {
        double dLat = Math.toRadians(lat2 - lat1);
        double dLon = Math.toRadians(lon2 - lon1);
        double a = Math.sin(dLat / 2) * Math.sin(dLat / 2)
                + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
        return 2 * 6371.0 * Math.asin(Math.min(1, Math.sqrt(a)));
    }

    private static double round4(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
