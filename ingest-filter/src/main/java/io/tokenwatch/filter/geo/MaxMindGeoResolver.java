package io.tokenwatch.filter.geo;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.AsnResponse;
import com.maxmind.geoip2.model.CityResponse;
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
import java.util.Optional;

/**
 * Geo from MaxMind database files (the MaxMind DB format): a GeoIP2 or GeoLite2 <em>City</em> database
 * (country, subdivision, latitude and longitude) or <em>Country</em> database (country only), and
 * optionally an <em>ASN</em> database (autonomous system number). Either may be omitted, not both.
 * Files are read locally and never downloaded; keeping them fresh is the operator's job (MaxMind's
 * {@code geoipupdate}), and a filter restart picks up a new file.
 *
 * <p>Opening checks everything it can: the file exists and is readable, is a MaxMind DB of the right
 * kind, and answers a probe lookup; anything else is an {@link IllegalArgumentException} naming the
 * file, so a typo stops the start-up instead of silently emitting events without geo.
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
    private final Cache<IpAddress, Optional<TokenUsageEvent.Geo>> answers;

    private MaxMindGeoResolver(DatabaseReader location, DatabaseReader asn, int cacheSize) {
        this.location = location;
        this.city = location != null && location.getMetadata().databaseType().contains("City");
        this.asn = asn;
        this.answers = cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /**
     * Opens the databases.
     *
     * @param locationDatabase a City or Country database, or null
     * @param asnDatabase      an ASN database, or null
     * @param cacheSize        client addresses whose answers are kept, 0 for none
     * @throws IllegalArgumentException if both are null, or a file is missing, unreadable, corrupt or of
     *                                  the wrong kind
     */
    public static MaxMindGeoResolver open(Path locationDatabase, Path asnDatabase, int cacheSize) {
        if (locationDatabase == null && asnDatabase == null) {
            throw new IllegalArgumentException("a MaxMind resolver needs a City, Country or ASN database");
        }
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cache size must be >= 0, was " + cacheSize);
        }
        DatabaseReader location = null;
        try {
            location = locationDatabase == null ? null : reader(locationDatabase, Kind.LOCATION);
            DatabaseReader asn = asnDatabase == null ? null : reader(asnDatabase, Kind.ASN);
            return new MaxMindGeoResolver(location, asn, cacheSize);
        } catch (RuntimeException e) {
            closeQuietly(location);
            throw e;
        }
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

    /** One address looked up in both databases; a failure in one still leaves the other's answer. */
    private final class Lookup {

        private final IpAddress address;
        private final InetAddress inet;
        private boolean failed;

        Lookup(IpAddress address) {
            this.address = address;
            this.inet = address.toInetAddress();
        }

        Optional<TokenUsageEvent.Geo> answer() {
            String country = null;
            String region = null;
            Double lat = null;
            Double lon = null;
            if (covers(location)) {
                try {
                    if (city) {
                        Optional<CityResponse> found = location.tryCity(inet);
                        if (found.isPresent()) {
                            country = isoCode(found.get().country());
                            region = subdivision(found.get().mostSpecificSubdivision());
                            Location position = found.get().location();
                            lat = position == null ? null : GeoFields.coordinate(position.latitude(), 90);
                            lon = position == null ? null : GeoFields.coordinate(position.longitude(), 180);
                        }
                    } else {
                        country = location.tryCountry(inet).map(CountryResponse::country)
                                .map(MaxMindGeoResolver::isoCode).orElse(null);
                    }
                } catch (IOException | GeoIp2Exception | RuntimeException e) {
                    fail(e);
                }
            }
            if (lat == null || lon == null) {
                lat = null;
                lon = null;
            }
            Long number = null;
            if (covers(asn)) {
                try {
                    number = asn.tryAsn(inet).map(AsnResponse::autonomousSystemNumber).map(GeoFields::asn)
                            .orElse(null);
                } catch (IOException | GeoIp2Exception | RuntimeException e) {
                    fail(e);
                }
            }
            if (country == null && region == null && lat == null && number == null) {
                return Optional.empty();
            }
            return Optional.of(new TokenUsageEvent.Geo(country, region, lat, lon, number));
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
    }

    @Override
    public String toString() {
        return "MaxMindGeoResolver[" + describe(location) + ", " + describe(asn) + "]";
    }

    private static String describe(DatabaseReader reader) {
        return reader == null ? "-" : reader.getMetadata().databaseType();
    }

    private enum Kind {
        LOCATION("a City or Country database"),
        ASN("an ASN database");

        private final String wanted;

        Kind(String wanted) {
            this.wanted = wanted;
        }

        boolean accepts(String databaseType) {
            return this == ASN ? databaseType.contains("ASN")
                    : databaseType.contains("City") || databaseType.contains("Country");
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
            probe(reader, kind);
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            closeQuietly(reader);
            throw new IllegalArgumentException("GeoIP database " + file + " is damaged: " + e.getMessage(), e);
        }
        return reader;
    }

    private static void probe(DatabaseReader reader, Kind kind) throws IOException, GeoIp2Exception {
        InetAddress probe = PROBE.toInetAddress();
        if (kind == Kind.ASN) {
            reader.tryAsn(probe);
        } else if (reader.getMetadata().databaseType().contains("City")) {
            reader.tryCity(probe);
        } else {
            reader.tryCountry(probe);
        }
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
}
