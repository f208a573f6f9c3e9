package io.tokenwatch.launcher.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The synthetic world the traffic generator places people, services and attackers in: countries
 * with their centroid and the carrier gateway cities their mobile traffic leaves from, cities with
 * coordinates and UTC offsets, and per city the networks an address can belong to (home broadband,
 * office networks, the country's mobile carrier, cloud hosting, commercial VPN exits, residential
 * proxies). This is the ground truth; {@link IpDatabase} is what a geolocation database makes of it.
 *
 * <p>Address plan (made up, but well-formed and stable): every network owns one /16; its third octets
 * 0–199 are where benign hosts live and 200–255 where attackers' hosts live, so an attacker never
 * shares an address or a /24 with a benign user by accident (a shared address would blur the labels).
 * A mobile carrier has one ASN and one /16 per country, and its carrier-grade NAT pool is a handful
 * of /24s in it. Immutable and thread-safe.
 */
final class Geography {

    /** A country: ISO code, the centroid databases fall back to, and where its carriers' gateways are. */
    record Country(String code, double lat, double lon, List<String> gatewayCities) {
    }

    /** A city: country, region, coordinates, and its standard UTC offset (daylight saving ignored). */
    record City(String name, String country, String region, double lat, double lon, int utcOffsetHours) {
    }

    /** What kind of network an address belongs to. */
    enum Kind { BROADBAND, BROADBAND_ALT, OFFICE, MOBILE, HOSTING, VPN, RESIDENTIAL_PROXY }

    /** One network: its kind, ASN, the /16 its addresses come from, and the city its hosts are in. */
    record Network(Kind kind, long asn, int octetA, int octetB, City city) {
        String address(int c, int d) {
            return octetA + "." + octetB + "." + c + "." + d;
        }

        /** A benign host's address: third octet 0–199. */
        String benignAddress(SplittableRandom random) {
            return address(random.nextInt(200), 1 + random.nextInt(254));
        }

        /** An attacker's address: third octet 200–255, never a benign /24. */
        String attackerAddress(SplittableRandom random) {
            return address(200 + random.nextInt(56), 1 + random.nextInt(254));
        }

        String slash16() {
            return octetA + "." + octetB;
        }
    }

    static final Map<String, Country> COUNTRIES = countries(
            new Country("DE", 51.17, 10.45, List.of("Frankfurt", "Dusseldorf")),
            new Country("FR", 46.60, 2.21, List.of("Paris", "Marseille")),
            new Country("NL", 52.13, 5.29, List.of("Amsterdam")),
            new Country("BE", 50.50, 4.47, List.of("Brussels")),
            new Country("AT", 47.52, 14.55, List.of("Vienna")),
            new Country("CH", 46.82, 8.23, List.of("Zurich")),
            new Country("CZ", 49.82, 15.47, List.of("Prague")),
            new Country("PL", 51.92, 19.15, List.of("Warsaw")),
            new Country("DK", 56.26, 9.50, List.of("Copenhagen")),
            new Country("SE", 60.13, 18.64, List.of("Stockholm")),
            new Country("IT", 41.87, 12.57, List.of("Milan", "Rome")),
            new Country("ES", 40.46, -3.75, List.of("Madrid")),
            new Country("GB", 55.38, -3.44, List.of("London", "Manchester")),
            new Country("IE", 53.41, -8.24, List.of("Dublin")),
            new Country("PT", 39.40, -8.22, List.of("Lisbon")),
            new Country("US", 37.09, -95.71, List.of("Chicago", "Dallas", "Ashburn")),
            new Country("CA", 56.13, -106.35, List.of("Toronto")),
            new Country("JP", 36.20, 138.25, List.of("Tokyo")),
            new Country("AU", -25.27, 133.78, List.of("Sydney")),
            new Country("SG", 1.35, 103.82, List.of("Singapore")),
            new Country("IN", 20.59, 78.96, List.of("Mumbai")),
            new Country("NG", 9.08, 8.68, List.of("Lagos")),
            new Country("BR", -14.24, -51.93, List.of("Sao Paulo")),
            new Country("ID", -0.79, 113.92, List.of("Jakarta")),
            new Country("VN", 14.06, 108.28, List.of("Ho Chi Minh City")),
            new Country("ZA", -30.56, 22.94, List.of("Johannesburg")),
            new Country("AR", -38.42, -63.62, List.of("Buenos Aires")),
            new Country("RO", 45.94, 24.97, List.of("Bucharest")));

    /** Where people live: Europe, North America and Asia-Pacific, so several time zones are in use. */
    static final List<City> HOMES = List.of(
            new City("Berlin", "DE", "BE", 52.520, 13.405, 1),
            new City("Hamburg", "DE", "HH", 53.551, 9.994, 1),
            new City("Munich", "DE", "BY", 48.137, 11.575, 1),
            new City("Frankfurt", "DE", "HE", 50.110, 8.682, 1),
            new City("Cologne", "DE", "NW", 50.938, 6.960, 1),
            new City("Leipzig", "DE", "SN", 51.340, 12.375, 1),
            new City("Paris", "FR", "IDF", 48.857, 2.352, 1),
            new City("Lyon", "FR", "ARA", 45.764, 4.836, 1),
            new City("Toulouse", "FR", "OCC", 43.605, 1.444, 1),
            new City("Amsterdam", "NL", "NH", 52.370, 4.895, 1),
            new City("Brussels", "BE", "BRU", 50.850, 4.352, 1),
            new City("Vienna", "AT", "9", 48.208, 16.373, 1),
            new City("Zurich", "CH", "ZH", 47.377, 8.540, 1),
            new City("Prague", "CZ", "10", 50.076, 14.438, 1),
            new City("Warsaw", "PL", "14", 52.230, 21.012, 1),
            new City("Copenhagen", "DK", "84", 55.676, 12.568, 1),
            new City("Milan", "IT", "25", 45.464, 9.190, 1),
            new City("Naples", "IT", "72", 40.852, 14.268, 1),
            new City("Madrid", "ES", "MD", 40.417, -3.704, 1),
            new City("London", "GB", "ENG", 51.507, -0.128, 0),
            new City("Edinburgh", "GB", "SCT", 55.953, -3.189, 0),
            new City("Dublin", "IE", "L", 53.350, -6.260, 0),
            new City("Lisbon", "PT", "11", 38.722, -9.139, 0),
            new City("New York", "US", "NY", 40.713, -74.006, -5),
            new City("Boston", "US", "MA", 42.360, -71.059, -5),
            new City("Chicago", "US", "IL", 41.878, -87.630, -6),
            new City("Denver", "US", "CO", 39.739, -104.990, -7),
            new City("San Francisco", "US", "CA", 37.775, -122.419, -8),
            new City("Seattle", "US", "WA", 47.606, -122.332, -8),
            new City("Toronto", "CA", "ON", 43.653, -79.383, -5),
            new City("Vancouver", "CA", "BC", 49.283, -123.121, -8),
            new City("Tokyo", "JP", "13", 35.676, 139.650, 9),
            new City("Sydney", "AU", "NSW", -33.869, 151.209, 10),
            new City("Singapore", "SG", "01", 1.352, 103.820, 8),
            new City("Bangalore", "IN", "KA", 12.972, 77.595, 5));

    /**
     * Cities that appear only as database answers, exits or attack origins: carrier gateways, data
     * centres, VPN exits and places stolen tokens are used from.
     */
    static final List<City> OTHERS = List.of(
            new City("Dusseldorf", "DE", "NW", 51.227, 6.773, 1),
            new City("Marseille", "FR", "PAC", 43.296, 5.370, 1),
            new City("Rome", "IT", "62", 41.903, 12.496, 1),
            new City("Manchester", "GB", "ENG", 53.481, -2.243, 0),
            new City("Stockholm", "SE", "AB", 59.329, 18.069, 1),
            new City("Dallas", "US", "TX", 32.777, -96.797, -6),
            new City("Ashburn", "US", "VA", 39.044, -77.487, -5),
            new City("Mumbai", "IN", "MH", 19.076, 72.878, 5),
            new City("Lagos", "NG", "LA", 6.524, 3.379, 1),
            new City("Sao Paulo", "BR", "SP", -23.551, -46.633, -3),
            new City("Jakarta", "ID", "JK", -6.208, 106.846, 7),
            new City("Ho Chi Minh City", "VN", "SG", 10.823, 106.630, 7),
            new City("Johannesburg", "ZA", "GT", -26.204, 28.047, 2),
            new City("Buenos Aires", "AR", "C", -34.604, -58.382, -3),
            new City("Bucharest", "RO", "B", 44.426, 26.103, 2));

    /** Where commercial VPN services put their exits. */
    static final List<String> VPN_EXITS = List.of("Amsterdam", "Zurich", "Stockholm", "London", "Ashburn",
            "Singapore", "Frankfurt");

    /** Where cloud egress and data centres are. */
    static final List<String> CLOUD_REGIONS = List.of("Frankfurt", "Dublin", "Ashburn", "Amsterdam", "Singapore");

    private static final Map<String, City> BY_NAME = byName();

    private final Map<City, Map<Kind, Network>> networks = new HashMap<>();
    private final Map<String, Network> mobileByCountry = new HashMap<>();
    private final Map<String, Network> bySlash16 = new HashMap<>();

    Geography() {
        List<City> all = new ArrayList<>(HOMES);
        all.addAll(OTHERS);
        List<String> countryCodes = new ArrayList<>(COUNTRIES.keySet());
        int next = 0;
        for (City city : all) {
            int country = countryCodes.indexOf(city.country());
            Map<Kind, Network> here = new HashMap<>();
            for (Kind kind : Kind.values()) {
                Network network;
                if (kind == Kind.MOBILE) {
                    // One carrier per country: the same ASN and /16 wherever its subscriber is.
                    network = mobileByCountry.get(city.country());
                    if (network == null) {
                        network = allocate(kind, asn(country, kind), next++, city(gatewayOf(city.country())));
                        mobileByCountry.put(city.country(), network);
                    }
                } else {
                    network = allocate(kind, asn(country, kind), next++, city);
                }
                here.put(kind, network);
            }
            networks.put(city, here);
        }
    }

    private Network allocate(Kind kind, long asn, int index, City city) {
        // 16 first octets x 250 second octets: far more /16s than the world needs.
        int a = 20 + index / 250;
        int b = index % 250;
        Network network = new Network(kind, asn, a, b, city);
        bySlash16.put(network.slash16(), network);
        return network;
    }

    private static long asn(int country, Kind kind) {
        // Country-wide networks: one ASN per (country, kind).
        return 64_600L + country * 10L + kind.ordinal();
    }

    /** The network of {@code kind} serving {@code city}; mobile is the country's carrier. */
    Network network(City city, Kind kind) {
        return networks.get(city).get(kind);
    }

    /** The mobile carrier of {@code country}. */
    Network mobile(String country) {
        return mobileByCountry.get(country);
    }

    /** The network an address belongs to, or {@code null} for an address outside the plan. */
    Network networkOf(String ip) {
        int second = ip.indexOf('.', ip.indexOf('.') + 1);
        return bySlash16.get(ip.substring(0, second));
    }

    static City city(String name) {
        City city = BY_NAME.get(name);
        if (city == null) {
            throw new IllegalArgumentException("no such city in the synthetic world: " + name);
        }
        return city;
    }

    static String gatewayOf(String country) {
        return COUNTRIES.get(country).gatewayCities().get(0);
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

    private static Map<String, Country> countries(Country... list) {
        Map<String, Country> map = new LinkedHashMap<>();
        for (Country c : list) {
            map.put(c.code(), c);
        }
        // Insertion order matters: ASNs are numbered by it, and Map.copyOf's order changes per JVM.
        return java.util.Collections.unmodifiableMap(map);
    }

    private static Map<String, City> byName() {
        Map<String, City> map = new HashMap<>();
        HOMES.forEach(c -> map.put(c.name(), c));
        OTHERS.forEach(c -> map.put(c.name(), c));
        return Map.copyOf(map);
    }
}
