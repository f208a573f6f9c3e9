package io.tokenwatch.launcher.bench;

import io.tokenwatch.launcher.bench.Geography.City;
import io.tokenwatch.launcher.bench.Geography.Country;
import io.tokenwatch.launcher.bench.Geography.Network;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import io.tokenwatch.schemas.TokenUsageEvent.Geo;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A simulated IP geolocation database that errs the way commercial ones do, producing the
 * {@code request.geo} a filter's resolver would attach (schema version 2: accuracy radius, connection
 * type, anonymizer). The benchmark must not hand the detector the truth: real databases
 *
 * <ul>
 *   <li>put a carrier-grade NAT (cellular) address at the carrier's gateway city or at the country
 *       centroid, hundreds of kilometres from the phone, with an accuracy radius of 500–1000 km, and
 *       leave out its connection type for some ranges;</li>
 *   <li>place fixed-line addresses at city level with an error of tens of kilometres, and now and
 *       then in the wrong city of the same country;</li>
 *   <li>know some office ranges as corporate and mislabel or omit others;</li>
 *   <li>flag most but not all hosting ranges and VPN exits (a VPN exit is located in its own country
 *       either way), and almost never flag residential proxies.</li>
 * </ul>
 *
 * Errors are decided once per /24 (seeded by the scenario seed and the /24), so an address always
 * resolves the same way, as it would in one database release. The shares are documented in the
 * benchmark's README section; they are assumptions in the range public accuracy studies and vendors'
 * own accuracy pages report, not measurements.
 *
 * <p>Not thread-safe (it memoises per /24); one instance per generated stream.
 */
final class IpDatabase {

    /** Share of fixed-line /24s the database puts in another city of the same country. */
    static final double WRONG_CITY_SHARE = 0.04;
    /** Share of cellular /24s located at the country centroid rather than the gateway city. */
    static final double CELLULAR_CENTROID_SHARE = 0.4;
    /** Share of cellular /24s whose connection type the database does not know. */
    static final double CELLULAR_TYPE_MISSING_SHARE = 0.25;
    /** Share of broadband /24s whose connection type the database does not know. */
    static final double BROADBAND_TYPE_MISSING_SHARE = 0.15;
    /** Share of VPN exit /24s not flagged as anonymous at all. */
    static final double VPN_UNFLAGGED_SHARE = 0.25;
    /** Share of hosting /24s not flagged as hosting. */
    static final double HOSTING_UNFLAGGED_SHARE = 0.12;
    /** Share of residential-proxy /24s the database does flag. */
    static final double RESIDENTIAL_PROXY_FLAGGED_SHARE = 0.2;

    private final long seed;
    private final Geography geography;
    private final Map<String, Geo> bySlash24 = new HashMap<>();

    IpDatabase(long seed, Geography geography) {
        this.seed = seed;
        this.geography = geography;
    }

    /** What the database answers for {@code ip}; {@code null} when the address is not in it. */
    Geo locate(String ip) {
        String slash24 = ip.substring(0, ip.lastIndexOf('.'));
        return bySlash24.computeIfAbsent(slash24, this::resolve);
    }

    private Geo resolve(String slash24) {
        Network network = geography.networkOf(slash24 + ".1");
        if (network == null) {
            return null;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E37_79B9_7F4A_7C15L + slash24.hashCode());
        City city = network.city();
        long asn = network.asn();
        return switch (network.kind()) {
            case MOBILE -> cellular(network, random);
            case BROADBAND, BROADBAND_ALT -> fixedLine(city, asn, random,
                    random.nextDouble() < BROADBAND_TYPE_MISSING_SHARE ? null : ConnectionType.CABLE_DSL, null);
            case OFFICE -> {
                double roll = random.nextDouble();
                ConnectionType type = roll < 0.6 ? ConnectionType.CORPORATE : roll < 0.8 ? ConnectionType.CABLE_DSL : null;
                yield nearCity(city, asn, 2 + random.nextDouble() * 10, 10 + 10 * random.nextInt(2), type, null, random);
            }
            case HOSTING -> nearCity(city, asn, random.nextDouble() * 15, 20, null,
                    random.nextDouble() < HOSTING_UNFLAGGED_SHARE ? null : Anonymizer.HOSTING, random);
            case VPN -> {
                double roll = random.nextDouble();
                Anonymizer flag = roll < VPN_UNFLAGGED_SHARE ? null
                        : roll < VPN_UNFLAGGED_SHARE + 0.15 ? Anonymizer.HOSTING : Anonymizer.VPN;
                yield nearCity(city, asn, random.nextDouble() * 20, 50, null, flag, random);
            }
            case RESIDENTIAL_PROXY -> fixedLine(city, asn, random, ConnectionType.CABLE_DSL,
                    random.nextDouble() < RESIDENTIAL_PROXY_FLAGGED_SHARE ? Anonymizer.RESIDENTIAL_PROXY : null);
        };
    }

    /** Carrier-grade NAT: the carrier's gateway city or the country centroid, with a large radius. */
    private Geo cellular(Network network, SplittableRandom random) {
        Country country = Geography.COUNTRIES.get(network.city().country());
        ConnectionType type = random.nextDouble() < CELLULAR_TYPE_MISSING_SHARE ? null : ConnectionType.CELLULAR;
        if (random.nextDouble() < CELLULAR_CENTROID_SHARE) {
            return new Geo(country.code(), null, round4(country.lat()), round4(country.lon()), network.asn(),
                    1000, type, null);
        }
        City gateway = Geography.city(country.gatewayCities().get(random.nextInt(country.gatewayCities().size())));
        return nearCity(gateway, network.asn(), random.nextDouble() * 10, 500, type, null, random);
    }

    /** Fixed line: tens of km off, sometimes in the wrong city of the same country. */
    private Geo fixedLine(City city, long asn, SplittableRandom random, ConnectionType type, Anonymizer anonymizer) {
        if (random.nextDouble() < WRONG_CITY_SHARE) {
            City other = Geography.HOMES.stream().filter(c -> c.country().equals(city.country()) && !c.equals(city))
                    .findFirst().orElse(null);
            if (other != null) {
                return nearCity(other, asn, 5 + random.nextDouble() * 20, 200, type, anonymizer, random);
            }
        }
        int radius = new int[] {20, 50, 100}[random.nextInt(3)];
        return nearCity(city, asn, 5 + random.nextDouble() * 55, radius, type, anonymizer, random);
    }

    private static Geo nearCity(City city, long asn, double offKm, int radiusKm, ConnectionType type,
                                Anonymizer anonymizer, SplittableRandom random) {
        double bearing = random.nextDouble() * 2 * Math.PI;
        double dLat = offKm * Math.cos(bearing) / 111.0;
        double dLon = offKm * Math.sin(bearing) / (111.0 * Math.max(0.2, Math.cos(Math.toRadians(city.lat()))));
        return new Geo(city.country(), city.region(), round4(city.lat() + dLat), round4(city.lon() + dLon), asn,
                radiusKm, type, anonymizer);
    }

    private static double round4(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
