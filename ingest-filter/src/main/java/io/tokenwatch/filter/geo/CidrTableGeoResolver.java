package io.tokenwatch.filter.geo;

import io.tokenwatch.filter.clientip.Cidr;
import io.tokenwatch.filter.clientip.IpAddress;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Geo from a small table of networks the operator writes by hand: private networks a database cannot
 * place (offices, VPN pools, a data centre's ranges), a VPN egress to pin to its real location, or the
 * addresses of a demo. The most specific network containing the client address answers; private and
 * documentation addresses are allowed here, unlike in a database.
 *
 * <p>The file is UTF-8 CSV, one network per line,
 * {@code cidr,country,region,lat,lon,asn[,accuracy_radius_km,connection_type,anonymizer]}:
 * <pre>
 * cidr,country,region,lat,lon,asn,accuracy_radius_km,connection_type,anonymizer
 * # the Berlin office and its VPN pool
 * 10.20.0.0/16,DE,BE,52.52,13.405,,5,corporate,
 * 10.30.0.0/16,DE,BE,52.52,13.405,,50,,vpn
 * 192.0.2.0/24,FR,IDF,48.8566,2.3522,64496
 * fd00:1::/32,JP,13,,,
 * # exits of a VPN provider the databases miss: flagged here, located by a later resolver
 * 198.51.100.0/24,,,,,,,,vpn
 * </pre>
 * A first line starting with {@code cidr} is a header; blank lines and lines starting with {@code #} are
 * skipped. Every line has six to nine fields: the last three columns are optional, so a table written
 * for the six-column format still loads, and a shorter line reads as if its missing trailing fields
 * were empty (no quoting: no field's grammar has a comma). Any field may be empty but the network, and
 * at least one other must be given. The fields follow the same grammars as every other resolver: CIDR
 * with host bits zero, ISO 3166-1 alpha-2 country, ISO 3166-2 subdivision code, decimal degrees given as
 * a pair, AS number 1 to 2³²−1, accuracy radius in whole kilometres (0 to 20038, and only with lat and
 * lon: a radius around no point means nothing), and the usage event's wire names for connection type
 * ({@code cable_dsl}, {@code cellular}, {@code corporate}, {@code satellite}, {@code dialup}) and
 * anonymizer ({@code vpn}, {@code hosting}, {@code public_proxy}, {@code residential_proxy},
 * {@code tor}), lower case as on the wire. A line that breaks any rule, or repeats a network, fails the
 * load with its line number, so a typo stops the start-up.
 *
 * <p>An empty connection type or anonymizer means "not said here", not "none": in a
 * {@link GeoResolver#firstOf chain} a later resolver (an Anonymous-IP database) may still supply it.
 *
 * <p>Lookups scan the networks, most specific first: meant for tens or hundreds of rows, not for a
 * copy of a geolocation database. Immutable and thread-safe.
 */
public final class CidrTableGeoResolver implements GeoResolver {

    /** The six columns of the first format; the three after them are optional. */
    private static final int REQUIRED_FIELDS = 6;
    private static final int FIELDS = 9;
    private static final String COLUMNS =
            "cidr,country,region,lat,lon,asn[,accuracy_radius_km,connection_type,anonymizer]";

    private final List<Row> rows;

    private record Row(Cidr network, TokenUsageEvent.Geo geo) {
    }

    private CidrTableGeoResolver(List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingInt((Row r) -> r.network().prefixLength()).reversed());
        this.rows = List.copyOf(sorted);
    }

    /**
     * Reads a table file.
     *
     * @throws IllegalArgumentException if the file cannot be read or a line breaks the format, naming the
     *                                  file and the line
     */
    public static CidrTableGeoResolver load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("geo table not found: " + file);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("cannot read geo table " + file + ": " + e.getMessage(), e);
        }
        return parse(lines, file.toString());
    }

    /**
     * Parses table lines.
     *
     * @param source named in error messages, e.g. the file name
     * @throws IllegalArgumentException if a line breaks the format
     */
    public static CidrTableGeoResolver parse(List<String> lines, String source) {
        List<Row> rows = new ArrayList<>();
        Set<Cidr> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = i == 0 ? stripBom(lines.get(i)).strip() : lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")
                    || (rows.isEmpty() && seen.isEmpty() && line.regionMatches(true, 0, "cidr", 0, 4))) {
                continue;
            }
            try {
                Row row = row(line);
                if (!seen.add(row.network())) {
                    throw new IllegalArgumentException("network " + row.network() + " appears twice");
                }
                rows.add(row);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new CidrTableGeoResolver(rows);
    }

    @Override
    public Optional<TokenUsageEvent.Geo> resolve(String clientIp, boolean peerTrusted, RequestHeaders headers) {
        Optional<IpAddress> address = IpAddress.tryParse(clientIp);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        for (Row row : rows) {
            if (row.network().contains(address.get())) {
                return Optional.of(row.geo());
            }
        }
        return Optional.empty();
    }

    /** Number of networks in the table. */
    public int size() {
        return rows.size();
    }

    @Override
    public String toString() {
        return "CidrTableGeoResolver[" + rows.size() + " networks]";
    }

    private static Row row(String line) {
        String[] given = line.split(",", -1);
        if (given.length < REQUIRED_FIELDS || given.length > FIELDS) {
            throw new IllegalArgumentException("expected 6 to 9 fields (" + COLUMNS + "), found " + given.length);
        }
        String[] fields = new String[FIELDS];
        for (int i = 0; i < FIELDS; i++) {
            fields[i] = i < given.length ? given[i].strip() : "";
        }
        Cidr network = Cidr.parse(fields[0]);
        String country = field(fields[1], GeoFields.country(fields[1]),
                "country must be ISO 3166-1 alpha-2 (two upper-case letters, not XX or ZZ)");
        String region = field(fields[2], GeoFields.region(fields[2]),
                "region must be an ISO 3166-2 subdivision code (1-3 upper-case letters or digits)");
        Double lat = field(fields[3], GeoFields.coordinate(fields[3], 90), "lat must be decimal degrees in [-90, 90]");
        Double lon = field(fields[4], GeoFields.coordinate(fields[4], 180),
                "lon must be decimal degrees in [-180, 180]");
        if ((lat == null) != (lon == null)) {
            throw new IllegalArgumentException("lat and lon come together or not at all");
        }
        Long asn = field(fields[5], GeoFields.asn(fields[5]), "asn must be a number from 1 to 4294967295");
        Integer radius = field(fields[6], GeoFields.accuracyRadiusKm(fields[6]),
                "accuracy_radius_km must be whole kilometres from 0 to " + GeoFields.MAX_ACCURACY_RADIUS_KM);
        if (radius != null && lat == null) {
            throw new IllegalArgumentException("accuracy_radius_km needs lat and lon");
        }
        TokenUsageEvent.ConnectionType type = field(fields[7], GeoFields.connectionType(fields[7]),
                "connection_type must be one of " + wireNames(TokenUsageEvent.ConnectionType.values()));
        TokenUsageEvent.Anonymizer anonymizer = field(fields[8], GeoFields.anonymizer(fields[8]),
                "anonymizer must be one of " + wireNames(TokenUsageEvent.Anonymizer.values()));
        if (country == null && region == null && lat == null && asn == null && type == null && anonymizer == null) {
            throw new IllegalArgumentException("the row for " + network + " gives no geo");
        }
        return new Row(network, new TokenUsageEvent.Geo(country, region, lat, lon, asn, radius, type, anonymizer));
    }

    private static String wireNames(Enum<?>[] values) {
        StringJoiner names = new StringJoiner(", ");
        for (Enum<?> value : values) {
            names.add(value.name().toLowerCase(Locale.ROOT));
        }
        return names.toString();
    }

    /** The parsed value; null for an empty field; a refusal for a field that did not parse. */
    private static <T> T field(String text, T parsed, String rule) {
        if (text.isEmpty()) {
            return null;
        }
        if (parsed == null) {
            throw new IllegalArgumentException(rule + ": '" + text + "'");
        }
        return parsed;
    }

    private static String stripBom(String line) {
        return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
    }
}
