package io.tokenwatch.filter.geo;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.AnonymousIpResponse;
import com.maxmind.geoip2.model.AnonymousPlusResponse;
import com.maxmind.geoip2.model.AsnResponse;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.ConnectionTypeResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.Country;
import com.maxmind.geoip2.record.Location;
import com.maxmind.geoip2.record.Subdivision;
import io.tokenwatch.filter.clientip.IpAddress;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Geo from MaxMind database files (the MaxMind DB format), each optional, at least one given:
 * <ul>
 *   <li>a GeoIP2 or GeoLite2 <em>City</em> database: country, subdivision, latitude and longitude, and
 *       the {@code accuracy_radius} around them (km), or a <em>Country</em> database: country only;</li>
 *   <li>an <em>ASN</em> database (GeoLite2-ASN): the autonomous system number;</li>
 *   <li>a GeoIP2 <em>Connection-Type</em> database: {@code connection_type} ({@code Cable/DSL},
 *       {@code Cellular}, {@code Corporate}, {@code Satellite}, {@code Dialup}), mapped by name onto
 *       {@link TokenUsageEvent.ConnectionType}; a value this mapping does not know is left out;</li>
 *   <li>a GeoIP2 <em>Anonymous-IP</em> database (or its successor, Anonymous-Plus, whose flags are the
 *       same): the anonymizer kind, see below.</li>
 * </ul>
 * Nothing is inferred beyond what a database states: no connection type from an ASN's name, no
 * location from a radius. The free GeoLite2 City and ASN databases contribute location, radius and AS
 * number; connection type and anonymity come only from MaxMind's commercial databases.
 *
 * <p><b>Accuracy radius and country-level answers.</b> The radius is reported exactly when coordinates
 * are, since a radius around no point means nothing. An answer without coordinates (a Country database,
 * or a City record that knows only the country) carries neither: the absence of {@code lat}/{@code lon}
 * is what says "country level" to the detector, which then compares countries, never distances. City
 * records that place an address at a country's centroid carry MaxMind's own wide radius (often 500 or
 * 1000 km), reported as given (capped at 20038 km, the farthest two places can be apart); the detector
 * subtracts radii from distances.
 *
 * <p><b>Anonymizer precedence.</b> An Anonymous-IP record may set several flags (a VPN provider's
 * server is usually also a hosting provider's address; Tor exits often too); the event carries one
 * kind, the one that says most about who may be behind the address, in this order:
 * {@code is_tor_exit_node} → {@link TokenUsageEvent.Anonymizer#TOR TOR},
 * {@code is_public_proxy} → {@link TokenUsageEvent.Anonymizer#PUBLIC_PROXY PUBLIC_PROXY},
 * {@code is_residential_proxy} → {@link TokenUsageEvent.Anonymizer#RESIDENTIAL_PROXY RESIDENTIAL_PROXY},
 * {@code is_anonymous_vpn} → {@link TokenUsageEvent.Anonymizer#VPN VPN},
 * {@code is_hosting_provider} → {@link TokenUsageEvent.Anonymizer#HOSTING HOSTING}: from the network
 * anyone can use to the one that is only a data centre. {@code is_anonymous} alone, with no specific
 * flag, names no kind and is left out.
 *
 * <p>Opening checks everything it can: each file exists and is readable, is a MaxMind DB of the right
 * kind (by its {@code database_type}, as {@link DatabaseReader} itself dispatches), and answers a probe
 * lookup; anything else is an {@link IllegalArgumentException} naming the file, so a typo stops the
 * start-up instead of silently emitting events without geo.
 *
 * <p>Per request: addresses that are not public ({@link NonPublicAddresses}: private, loopback,
 * documentation…) get no answer without a lookup. Answers, empty ones included, are kept in a bounded
 * cache keyed by address (Caffeine, size-bounded), so a busy client costs one lookup; the databases'
 * own decoded-record cache is bounded too. A lookup that fails (a file damaged after opening) leaves
 * out that database's fields, is not cached, and is logged at debug without the request. An IPv6
 * address is not looked up in an IPv4-only database.
 *
 * <p>Thread-safe: {@link DatabaseReader} and the caches are.
 */
public final class MaxMindGeoResolver implements GeoResolver {

    /** Default number of client addresses whose answers are kept. */
    public static final int DEFAULT_CACHE_SIZE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(MaxMindGeoResolver.class);
    /** A public address to probe each database with at start; any answer, including none, is fine. */
    private static final IpAddress PROBE = IpAddress.parse("1.1.1.1");
    /** Decoded database records kept by the reader (distinct records, not addresses). */
    private static final int RECORD_CACHE_SIZE = 4096;

    private final DatabaseReader location;
    private final boolean city;
    private final DatabaseReader asn;
    private final DatabaseReader connectionType;
    private final DatabaseReader anonymous;
    private final boolean anonymousPlus;
    private final Cache<IpAddress, Optional<TokenUsageEvent.Geo>> answers;

    private MaxMindGeoResolver(DatabaseReader location, DatabaseReader asn, DatabaseReader connectionType,
                               DatabaseReader anonymous, int cacheSize) {
        this.location = location;
        this.city = location != null && location.getMetadata().databaseType().contains("City");
        this.asn = asn;
        this.connectionType = connectionType;
        this.anonymous = anonymous;
        this.anonymousPlus = anonymous != null && Kind.isAnonymousPlus(anonymous.getMetadata().databaseType());
        this.answers = cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** The databases to open, each optional; at least one is needed. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a location and an ASN database.
     *
     * @param locationDatabase a City or Country database, or null
     * @param asnDatabase      an ASN database, or null
     * @param cacheSize        client addresses whose answers are kept, 0 for none
     * @throws IllegalArgumentException if both are null, or a file is missing, unreadable, corrupt or of
     *                                  the wrong kind
     */
    public static MaxMindGeoResolver open(Path locationDatabase, Path asnDatabase, int cacheSize) {
        return builder().locationDatabase(locationDatabase).asnDatabase(asnDatabase).cacheSize(cacheSize).open();
    }

    /** {@link #open(Path, Path, int)} with the default cache size. */
    public static MaxMindGeoResolver open(Path locationDatabase, Path asnDatabase) {
        return open(locationDatabase, asnDatabase, DEFAULT_CACHE_SIZE);
    }

    @Override
    public Optional<TokenUsageEvent.Geo> resolve(String clientIp, boolean peerTrusted, RequestHeaders headers) {
        Optional<IpAddress> parsed = IpAddress.tryParse(clientIp);
        if (parsed.isEmpty() || NonPublicAddresses.contains(parsed.get())) {
            return Optional.empty();
        }
        IpAddress address = parsed.get();
        Optional<TokenUsageEvent.Geo> cached = answers == null ? null : answers.getIfPresent(address);
        if (cached != null) {
            return cached;
        }
        Lookup lookup = new Lookup(address);
        Optional<TokenUsageEvent.Geo> geo = lookup.answer();
        if (answers != null && !lookup.failed) {
            // A failed lookup is not remembered: the next request from this address tries again.
            answers.put(address, geo);
        }
        return geo;
    }

    /** One address looked up in every database; a failure in one still leaves the others' answers. */
    private final class Lookup {

        private final IpAddress address;
        private final InetAddress inet;
        private boolean failed;

        Lookup(IpAddress address) {
            this.address = address;
            this.inet = address.toInetAddress();
        }

        Optional<TokenUsageEvent.Geo> answer() {
            TokenUsageEvent.Geo place = place();
            Long number = asnNumber();
            TokenUsageEvent.ConnectionType type = connectionType();
            TokenUsageEvent.Anonymizer anonymizer = anonymizer();
            if (place == null && number == null && type == null && anonymizer == null) {
                return Optional.empty();
            }
            return Optional.of(place == null
                    ? new TokenUsageEvent.Geo(null, null, null, null, number, null, type, anonymizer)
                    : new TokenUsageEvent.Geo(place.country(), place.region(), place.lat(), place.lon(), number,
                    place.accuracyRadiusKm(), type, anonymizer));
        }

        /** Country, region, coordinates and radius from the location database; null if it says nothing. */
        private TokenUsageEvent.Geo place() {
            if (!covers(location)) {
                return null;
            }
            String country = null;
            String region = null;
            Double lat = null;
            Double lon = null;
            Integer radius = null;
            try {
                if (city) {
                    Optional<CityResponse> found = location.tryCity(inet);
                    if (found.isPresent()) {
                        country = isoCode(found.get().country());
                        region = subdivision(found.get().mostSpecificSubdivision());
                        Location position = found.get().location();
                        if (position != null) {
                            lat = GeoFields.coordinate(position.latitude(), 90);
                            lon = GeoFields.coordinate(position.longitude(), 180);
                            radius = radius(position.accuracyRadius());
                        }
                    }
                } else {
                    country = location.tryCountry(inet).map(CountryResponse::country)
                            .map(MaxMindGeoResolver::isoCode).orElse(null);
                }
            } catch (IOException | GeoIp2Exception | RuntimeException e) {
                fail(e);
            }
            if (lat == null || lon == null) {
                // Country level: no point, so no radius around it either.
                lat = null;
                lon = null;
                radius = null;
            }
            if (country == null && region == null && lat == null) {
                return null;
            }
            return new TokenUsageEvent.Geo(country, region, lat, lon, null, radius, null, null);
        }

        private Long asnNumber() {
            if (!covers(asn)) {
                return null;
            }
            try {
                return asn.tryAsn(inet).map(AsnResponse::autonomousSystemNumber).map(GeoFields::asn).orElse(null);
            } catch (IOException | GeoIp2Exception | RuntimeException e) {
                fail(e);
                return null;
            }
        }

        private TokenUsageEvent.ConnectionType connectionType() {
            if (!covers(connectionType)) {
                return null;
            }
            try {
                return connectionType.tryConnectionType(inet).map(ConnectionTypeResponse::connectionType)
                        .map(MaxMindGeoResolver::connectionType).orElse(null);
            } catch (IOException | GeoIp2Exception | RuntimeException e) {
                fail(e);
                return null;
            }
        }

        private TokenUsageEvent.Anonymizer anonymizer() {
            if (!covers(anonymous)) {
                return null;
            }
            try {
                if (anonymousPlus) {
                    return anonymous.tryAnonymousPlus(inet).map(r -> MaxMindGeoResolver.anonymizer(r.isTorExitNode(),
                            r.isPublicProxy(), r.isResidentialProxy(), r.isAnonymousVpn(), r.isHostingProvider()))
                            .orElse(null);
                }
                return anonymous.tryAnonymousIp(inet).map(r -> MaxMindGeoResolver.anonymizer(r.isTorExitNode(),
                        r.isPublicProxy(), r.isResidentialProxy(), r.isAnonymousVpn(), r.isHostingProvider()))
                        .orElse(null);
            } catch (IOException | GeoIp2Exception | RuntimeException e) {
                fail(e);
                return null;
            }
        }

        /** An IPv4-only database has nothing to say about an IPv6 address (its reader would refuse it). */
        private boolean covers(DatabaseReader reader) {
            return reader != null && (address.isIpv4() || reader.getMetadata().ipVersion() == 6);
        }

        private void fail(Exception e) {
            failed = true;
            LOG.debug("GeoIP lookup failed: {}", e.toString());
        }
    }

    /** The single anonymizer kind of a record's flags, by the precedence the class documents; null if none. */
    private static TokenUsageEvent.Anonymizer anonymizer(boolean tor, boolean publicProxy, boolean residentialProxy,
                                                         boolean vpn, boolean hosting) {
        if (tor) {
            return TokenUsageEvent.Anonymizer.TOR;
        }
        if (publicProxy) {
            return TokenUsageEvent.Anonymizer.PUBLIC_PROXY;
        }
        if (residentialProxy) {
            return TokenUsageEvent.Anonymizer.RESIDENTIAL_PROXY;
        }
        if (vpn) {
            return TokenUsageEvent.Anonymizer.VPN;
        }
        return hosting ? TokenUsageEvent.Anonymizer.HOSTING : null;
    }

    private static TokenUsageEvent.ConnectionType connectionType(ConnectionTypeResponse.ConnectionType type) {
        return switch (type) {
            case CABLE_DSL -> TokenUsageEvent.ConnectionType.CABLE_DSL;
            case CELLULAR -> TokenUsageEvent.ConnectionType.CELLULAR;
            case CORPORATE -> TokenUsageEvent.ConnectionType.CORPORATE;
            case SATELLITE -> TokenUsageEvent.ConnectionType.SATELLITE;
            case DIALUP -> TokenUsageEvent.ConnectionType.DIALUP;
            // A type added by a newer geoip2 release is left out rather than guessed.
            default -> null;
        };
    }

    /**
     * The database's radius; one wider than any two places are apart (the field is a 16-bit number) is
     * capped rather than dropped, since a point without a radius would read as a precise one.
     */
    private static Integer radius(Integer km) {
        return km == null || km < 0 ? null : Math.min(km, GeoFields.MAX_ACCURACY_RADIUS_KM);
    }

    private static String isoCode(Country country) {
        return country == null ? null : GeoFields.country(country.isoCode());
    }

    private static String subdivision(Subdivision subdivision) {
        return subdivision == null ? null : GeoFields.region(subdivision.isoCode());
    }

    @Override
    public void close() {
        closeQuietly(location);
        closeQuietly(asn);
        closeQuietly(connectionType);
        closeQuietly(anonymous);
    }

    @Override
    public String toString() {
        return "MaxMindGeoResolver[" + describe(location) + ", " + describe(asn) + ", " + describe(connectionType)
                + ", " + describe(anonymous) + "]";
    }

    private static String describe(DatabaseReader reader) {
        return reader == null ? "-" : reader.getMetadata().databaseType();
    }

    /** What each option expects, told apart by {@code database_type} the way {@link DatabaseReader} does. */
    private enum Kind {
        LOCATION("a City or Country database"),
        ASN("an ASN database"),
        CONNECTION_TYPE("a GeoIP2-Connection-Type database"),
        ANONYMOUS("a GeoIP2-Anonymous-IP (or GeoIP-Anonymous-Plus) database");

        private final String wanted;

        Kind(String wanted) {
            this.wanted = wanted;
        }

        boolean accepts(String databaseType) {
            return switch (this) {
                case LOCATION -> databaseType.contains("City") || databaseType.contains("Country");
                case ASN -> databaseType.contains("ASN");
                case CONNECTION_TYPE -> databaseType.contains("GeoIP2-Connection-Type");
                case ANONYMOUS -> databaseType.contains("GeoIP2-Anonymous-IP") || isAnonymousPlus(databaseType);
            };
        }

        static boolean isAnonymousPlus(String databaseType) {
            return databaseType.contains("GeoIP-Anonymous-Plus");
        }

        void probe(DatabaseReader reader) throws IOException, GeoIp2Exception {
            InetAddress probe = PROBE.toInetAddress();
            String type = reader.getMetadata().databaseType();
            switch (this) {
                case LOCATION -> {
                    if (type.contains("City")) {
                        reader.tryCity(probe);
                    } else {
                        reader.tryCountry(probe);
                    }
                }
                case ASN -> reader.tryAsn(probe);
                case CONNECTION_TYPE -> reader.tryConnectionType(probe);
                case ANONYMOUS -> {
                    if (isAnonymousPlus(type)) {
                        reader.tryAnonymousPlus(probe);
                    } else {
                        reader.tryAnonymousIp(probe);
                    }
                }
            }
        }
    }

    private static DatabaseReader reader(Path file, Kind kind) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("GeoIP database not found (" + kind.wanted + "): " + file);
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("GeoIP database not readable: " + file);
        }
        DatabaseReader reader;
        try {
            reader = new DatabaseReader.Builder(file.toFile())
                    .fileMode(Reader.FileMode.MEMORY_MAPPED)
                    .withCache(new CHMCache(RECORD_CACHE_SIZE))
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a MaxMind DB file (" + kind.wanted + "): " + file + ": "
                    + e.getMessage(), e);
        }
        String type = reader.getMetadata().databaseType();
        if (type == null || !kind.accepts(type)) {
            closeQuietly(reader);
            throw new IllegalArgumentException("GeoIP database " + file + " is a " + type + " database; expected "
                    + kind.wanted);
        }
        try {
            kind.probe(reader);
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            closeQuietly(reader);
            throw new IllegalArgumentException("GeoIP database " + file + " is damaged: " + e.getMessage(), e);
        }
        return reader;
    }

    /** Closing a read-only file cannot lose data; a failure is worth a warning, not an exception. */
    private static void closeQuietly(DatabaseReader reader) {
        if (reader == null) {
            return;
        }
        try {
            reader.close();
        } catch (IOException e) {
            LOG.warn("cannot close GeoIP database: {}", e.toString());
        }
    }

    /** The database files and cache size of one resolver. Not thread-safe. */
    public static final class Builder {

        private Path locationDatabase;
        private Path asnDatabase;
        private Path connectionTypeDatabase;
        private Path anonymousDatabase;
        private int cacheSize = DEFAULT_CACHE_SIZE;

        private Builder() {
        }

        /** A GeoIP2/GeoLite2 City or Country database, or null for none. */
        public Builder locationDatabase(Path file) {
            this.locationDatabase = file;
            return this;
        }

        /** A GeoLite2/GeoIP2 ASN database, or null for none. */
        public Builder asnDatabase(Path file) {
            this.asnDatabase = file;
            return this;
        }

        /** A GeoIP2 Connection-Type database, or null for none. */
        public Builder connectionTypeDatabase(Path file) {
            this.connectionTypeDatabase = file;
            return this;
        }

        /** A GeoIP2 Anonymous-IP (or GeoIP Anonymous-Plus) database, or null for none. */
        public Builder anonymousDatabase(Path file) {
            this.anonymousDatabase = file;
            return this;
        }

        /** Client addresses whose answers are kept, 0 for none. */
        public Builder cacheSize(int cacheSize) {
            this.cacheSize = cacheSize;
            return this;
        }

        /**
         * Opens every database given.
         *
         * @throws IllegalArgumentException if none is given, the cache size is negative, or a file is
         *                                  missing, unreadable, corrupt or of the wrong kind
         */
        public MaxMindGeoResolver open() {
            if (locationDatabase == null && asnDatabase == null && connectionTypeDatabase == null
                    && anonymousDatabase == null) {
                throw new IllegalArgumentException(
                        "a MaxMind resolver needs a City, Country, ASN, Connection-Type or Anonymous-IP database");
            }
            if (cacheSize < 0) {
                throw new IllegalArgumentException("cache size must be >= 0, was " + cacheSize);
            }
            List<DatabaseReader> opened = new ArrayList<>();
            try {
                DatabaseReader location = open(locationDatabase, Kind.LOCATION, opened);
                DatabaseReader asn = open(asnDatabase, Kind.ASN, opened);
                DatabaseReader connectionType = open(connectionTypeDatabase, Kind.CONNECTION_TYPE, opened);
                DatabaseReader anonymous = open(anonymousDatabase, Kind.ANONYMOUS, opened);
                return new MaxMindGeoResolver(location, asn, connectionType, anonymous, cacheSize);
            } catch (RuntimeException e) {
                // The files opened before the failure are released: nobody else holds them.
                opened.forEach(MaxMindGeoResolver::closeQuietly);
                throw e;
            }
        }

        private static DatabaseReader open(Path file, Kind kind, List<DatabaseReader> opened) {
            if (file == null) {
                return null;
            }
            DatabaseReader reader = reader(file, kind);
            opened.add(reader);
            return reader;
        }
    }
}
