package io.tokenwatch.filter.geo;

import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.model.AnonymousIpResponse;
import com.maxmind.geoip2.model.AnonymousPlusResponse;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.ConnectionTypeResponse;
import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;

import static io.tokenwatch.filter.geo.TestGeoDatabases.ANONYMOUS_ONLY_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.ASN_ONLY_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.BERLIN_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.CELLULAR_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.CENTROID_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.GB_ONLY_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.LONDON_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.PRIVATE_MAPPED_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.SWEDEN_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.TOR_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.UNKNOWN_IP;
import static io.tokenwatch.filter.geo.TestGeoDatabases.VPN_IP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MaxMindGeoResolverTest {

    @TempDir
    Path dir;

    private TokenUsageEvent.Geo resolve(GeoResolver resolver, String ip) {
        return resolver.resolve(ip, false, RequestHeaders.NONE).orElse(null);
    }

    @Test
    void shouldWriteDatabasesTheGeoIp2ReaderReads() throws IOException, Exception {
        try (DatabaseReader reader = new DatabaseReader.Builder(TestGeoDatabases.city(dir).toFile()).build()) {
            CityResponse london = reader.city(InetAddress.getByName(LONDON_IP));

            assertThat(reader.getMetadata().databaseType()).isEqualTo("GeoLite2-City");
            assertThat(london.city().name()).isEqualTo("London");
            assertThat(london.country().isoCode()).isEqualTo("GB");
            assertThat(london.mostSpecificSubdivision().isoCode()).isEqualTo("ENG");
            assertThat(london.location().latitude()).isEqualTo(51.5142);
            assertThat(london.location().timeZone()).isEqualTo("Europe/London");
            assertThat(london.location().accuracyRadius()).isEqualTo(10);
            assertThat(london.traits().network().toString()).isEqualTo("81.2.69.0/24");
            assertThat(reader.city(InetAddress.getByName(BERLIN_IP)).country().isInEuropeanUnion()).isTrue();
        }
        try (DatabaseReader reader = new DatabaseReader.Builder(TestGeoDatabases.asn(dir).toFile()).build()) {
            assertThat(reader.asn(InetAddress.getByName(LONDON_IP)).autonomousSystemOrganization())
                    .isEqualTo("Andrews & Arnold Ltd");
        }
    }

    @Test
    void shouldWriteConnectionTypeAndAnonymousDatabasesTheGeoIp2ReaderReads() throws Exception {
        try (DatabaseReader reader = new DatabaseReader.Builder(TestGeoDatabases.connectionType(dir).toFile()).build()) {
            assertThat(reader.getMetadata().databaseType()).isEqualTo("GeoIP2-Connection-Type");
            assertThat(reader.connectionType(InetAddress.getByName(CELLULAR_IP)).connectionType())
                    .isEqualTo(ConnectionTypeResponse.ConnectionType.CELLULAR);
            assertThat(reader.connectionType(InetAddress.getByName(BERLIN_IP)).connectionType())
                    .isEqualTo(ConnectionTypeResponse.ConnectionType.CORPORATE);
        }
        try (DatabaseReader reader = new DatabaseReader.Builder(TestGeoDatabases.anonymousIp(dir).toFile()).build()) {
            AnonymousIpResponse tor = reader.anonymousIp(InetAddress.getByName(TOR_IP));

            assertThat(reader.getMetadata().databaseType()).isEqualTo("GeoIP2-Anonymous-IP");
            assertThat(tor.isAnonymous()).isTrue();
            assertThat(tor.isTorExitNode()).isTrue();
            assertThat(tor.isHostingProvider()).isTrue();
            assertThat(tor.isAnonymousVpn()).isFalse();
            assertThat(tor.network().toString()).isEqualTo("185.220.101.0/24");
        }
        try (DatabaseReader reader = new DatabaseReader.Builder(TestGeoDatabases.anonymousPlus(dir).toFile()).build()) {
            AnonymousPlusResponse vpn = reader.anonymousPlus(InetAddress.getByName(VPN_IP));

            assertThat(vpn.isAnonymousVpn()).isTrue();
            assertThat(vpn.anonymizerConfidence()).isEqualTo(99);
            assertThat(vpn.providerName()).isEqualTo("testvpn");
            assertThat(vpn.networkLastSeen()).isEqualTo(LocalDate.of(2025, 4, 14));
        }
    }

    @Test
    void shouldResolveCityCountryCoordinatesAndAsn() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(TestGeoDatabases.city(dir),
                TestGeoDatabases.asn(dir))) {
            assertThat(resolve(resolver, LONDON_IP))
                    .isEqualTo(new TokenUsageEvent.Geo("GB", "ENG", 51.5142, -0.0931, 20712L, 10, null, null));
            assertThat(resolve(resolver, GB_ONLY_IP)).isEqualTo(new TokenUsageEvent.Geo("GB", null, null, null, null));
            assertThat(resolve(resolver, SWEDEN_IP)).isEqualTo(new TokenUsageEvent.Geo("SE", null, null, null, null));
            assertThat(resolve(resolver, ASN_ONLY_IP)).isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, 1221L));
        }
    }

    @Test
    void shouldResolveIpv6FromCityDatabaseWhileIpv4OnlyAsnDatabaseStaysSilent() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(TestGeoDatabases.city(dir),
                TestGeoDatabases.asn(dir))) {
            assertThat(resolve(resolver, BERLIN_IP))
                    .isEqualTo(new TokenUsageEvent.Geo("DE", "BE", 52.5244, 13.4105, null, 20, null, null));
            // An IPv4-mapped IPv6 address is the IPv4 client.
            assertThat(resolve(resolver, "::ffff:81.2.69.160")).isEqualTo(resolve(resolver, LONDON_IP));
        }
    }

    @Test
    void shouldNotAnswerForUnknownAddresses() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(TestGeoDatabases.city(dir),
                TestGeoDatabases.asn(dir))) {
            assertThat(resolver.resolve(UNKNOWN_IP, true, RequestHeaders.NONE)).isEmpty();
            assertThat(resolver.resolve("2001:4860::8888", true, RequestHeaders.NONE)).isEmpty();
            assertThat(resolver.resolve("not-an-address", true, RequestHeaders.NONE)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {PRIVATE_MAPPED_IP, "127.0.0.1", "192.168.1.20", "172.16.5.4", "100.64.0.1",
            "169.254.1.1", "::1", "fd12:3456::1", "fe80::1", "::ffff:10.1.2.3"})
    void shouldNeverAnswerForPrivateOrLoopbackAddressesEvenIfTheDatabaseMapsThem(String ip) {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(TestGeoDatabases.city(dir), null)) {
            assertThat(resolver.resolve(ip, true, RequestHeaders.NONE)).isEmpty();
        }
    }

    @Test
    void shouldReportTheDatabasesAccuracyRadiusOnlyTogetherWithCoordinates() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(TestGeoDatabases.city(dir), null)) {
            assertThat(resolve(resolver, LONDON_IP).accuracyRadiusKm()).isEqualTo(10);
            // A country-centroid placement keeps its coordinates and MaxMind's country-wide radius.
            assertThat(resolve(resolver, CENTROID_IP))
                    .isEqualTo(new TokenUsageEvent.Geo("US", null, 37.751, -97.822, null, 1000, null, null));
            // Country level: no coordinates, hence no radius.
            assertThat(resolve(resolver, SWEDEN_IP).accuracyRadiusKm()).isNull();
            // Wider than the Earth allows: capped, never dropped (a point without radius reads as precise).
            assertThat(resolve(resolver, TestGeoDatabases.HUGE_RADIUS_IP).accuracyRadiusKm()).isEqualTo(20_038);
        }
    }

    @Test
    void shouldReportConnectionTypeFromConnectionTypeDatabase() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.builder().locationDatabase(TestGeoDatabases.city(dir))
                .asnDatabase(TestGeoDatabases.asn(dir)).connectionTypeDatabase(TestGeoDatabases.connectionType(dir))
                .open()) {
            assertThat(resolve(resolver, CELLULAR_IP))
                    .isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, 1221L, null, ConnectionType.CELLULAR, null));
            assertThat(resolve(resolver, LONDON_IP)).isEqualTo(new TokenUsageEvent.Geo("GB", "ENG", 51.5142, -0.0931,
                    20712L, 10, ConnectionType.CABLE_DSL, null));
            assertThat(resolve(resolver, BERLIN_IP).connectionType()).isEqualTo(ConnectionType.CORPORATE);
            // A connection type the geoip2 model does not know ("Fibre") is left out, not guessed.
            assertThat(resolve(resolver, SWEDEN_IP)).isEqualTo(new TokenUsageEvent.Geo("SE", null, null, null, null));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "none", value = {
            TestGeoDatabases.TOR_IP + ", TOR",
            TestGeoDatabases.TOR_IPV6 + ", TOR",
            TestGeoDatabases.PUBLIC_PROXY_IP + ", PUBLIC_PROXY",
            TestGeoDatabases.RESIDENTIAL_PROXY_IP + ", RESIDENTIAL_PROXY",
            TestGeoDatabases.VPN_IP + ", VPN",
            TestGeoDatabases.HOSTING_IP + ", HOSTING",
            TestGeoDatabases.ANONYMOUS_ONLY_IP + ", none",
            TestGeoDatabases.LONDON_IP + ", none"})
    void shouldNameOneAnonymizerByPrecedenceFromAnonymousIpFlags(String ip, Anonymizer expected) {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.builder()
                .anonymousDatabase(TestGeoDatabases.anonymousIp(dir)).open()) {
            TokenUsageEvent.Geo geo = resolve(resolver, ip);

            if (expected == null) {
                assertThat(geo).isNull();
            } else {
                assertThat(geo).isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, null, null, null, expected));
            }
        }
    }

    @Test
    void shouldReadAnonymizerFromAnonymousPlusDatabase() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.builder()
                .anonymousDatabase(TestGeoDatabases.anonymousPlus(dir)).open()) {
            assertThat(resolve(resolver, VPN_IP).anonymizer()).isEqualTo(Anonymizer.VPN);
            assertThat(resolve(resolver, TOR_IP)).isNull();
        }
    }

    @Test
    void shouldCombineEveryDatabaseIntoOneAnswer() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.builder().locationDatabase(TestGeoDatabases.city(dir))
                .asnDatabase(TestGeoDatabases.asn(dir)).connectionTypeDatabase(TestGeoDatabases.connectionType(dir))
                .anonymousDatabase(TestGeoDatabases.anonymousIp(dir)).cacheSize(10).open()) {
            assertThat(resolve(resolver, VPN_IP))
                    .isEqualTo(new TokenUsageEvent.Geo("NL", "NH", 52.3759, 4.8975, null, 20, null, Anonymizer.VPN));
            assertThat(resolve(resolver, LONDON_IP)).isEqualTo(new TokenUsageEvent.Geo("GB", "ENG", 51.5142, -0.0931,
                    20712L, 10, ConnectionType.CABLE_DSL, null));
            assertThat(resolver.resolve(PRIVATE_MAPPED_IP, true, RequestHeaders.NONE)).isEmpty();
            assertThat(resolver.toString()).contains("GeoLite2-City", "GeoLite2-ASN", "GeoIP2-Connection-Type",
                    "GeoIP2-Anonymous-IP");
        }
    }

    @Test
    void shouldResolveCountryOnlyFromCountryDatabase() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(TestGeoDatabases.country(dir), null)) {
            assertThat(resolve(resolver, LONDON_IP)).isEqualTo(new TokenUsageEvent.Geo("GB", null, null, null, null));
            assertThat(resolve(resolver, BERLIN_IP)).isNull();
        }
    }

    @Test
    void shouldResolveAsnOnlyFromAsnDatabase() {
        try (MaxMindGeoResolver resolver = MaxMindGeoResolver.open(null, TestGeoDatabases.asn(dir))) {
            assertThat(resolve(resolver, LONDON_IP)).isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, 20712L));
        }
    }

    @Test
    void shouldAnswerRepeatedAddressesFromTheCache() {
        MaxMindGeoResolver cached = MaxMindGeoResolver.open(TestGeoDatabases.city(dir), null, 100);
        MaxMindGeoResolver uncached = MaxMindGeoResolver.open(TestGeoDatabases.city(dir), null, 0);
        TokenUsageEvent.Geo first = resolve(cached, LONDON_IP);
        resolve(uncached, LONDON_IP);

        // With the files closed only remembered answers remain; failed lookups answer nothing.
        cached.close();
        uncached.close();

        assertThat(resolve(cached, LONDON_IP)).isEqualTo(first).isNotNull();
        assertThat(resolve(cached, GB_ONLY_IP)).isNull();
        assertThat(resolve(uncached, LONDON_IP)).isNull();
    }

    @Test
    void shouldRefuseMissingDatabaseAtOpen() {
        Path missing = dir.resolve("GeoLite2-City.mmdb");

        assertThatThrownBy(() -> MaxMindGeoResolver.open(missing, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not found").hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> MaxMindGeoResolver.open(null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a City, Country, ASN, Connection-Type or Anonymous-IP database");
    }

    @Test
    void shouldRefuseFileThatIsNotAMaxMindDatabase() throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.mmdb"), "this is not a database");

        assertThatThrownBy(() -> MaxMindGeoResolver.open(garbage, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a MaxMind DB file")
                .hasMessageContaining(garbage.toString());
    }

    @Test
    void shouldRefuseTruncatedDatabase() throws IOException {
        byte[] whole = Files.readAllBytes(TestGeoDatabases.city(dir));
        // The marker and the metadata survive; the search tree points beyond the end of what is left.
        int marker = indexOf(whole, new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF, 'M'});
        byte[] damaged = new byte[whole.length - marker + 40];
        System.arraycopy(whole, 0, damaged, 0, 40);
        System.arraycopy(whole, marker, damaged, 40, whole.length - marker);
        Path truncated = Files.write(dir.resolve("truncated.mmdb"), damaged);

        assertThatThrownBy(() -> MaxMindGeoResolver.open(truncated, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(truncated.toString());
    }

    @Test
    void shouldRefuseDatabaseOfTheWrongKind() {
        Path asn = TestGeoDatabases.asn(dir);
        Path city = TestGeoDatabases.city(dir);

        assertThatThrownBy(() -> MaxMindGeoResolver.open(asn, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GeoLite2-ASN")
                .hasMessageContaining("expected a City or Country database");
        assertThatThrownBy(() -> MaxMindGeoResolver.open(null, city))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected an ASN database");
    }

    @Test
    void shouldRefuseConnectionTypeOrAnonymousDatabaseOfTheWrongKind() {
        Path city = TestGeoDatabases.city(dir);
        Path connectionType = TestGeoDatabases.connectionType(dir);
        Path anonymous = TestGeoDatabases.anonymousIp(dir);

        assertThatThrownBy(() -> MaxMindGeoResolver.builder().connectionTypeDatabase(city).open())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(city.toString())
                .hasMessageContaining("is a GeoLite2-City database; expected a GeoIP2-Connection-Type database");
        assertThatThrownBy(() -> MaxMindGeoResolver.builder().anonymousDatabase(connectionType).open())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a GeoIP2-Anonymous-IP (or GeoIP-Anonymous-Plus) database");
        assertThatThrownBy(() -> MaxMindGeoResolver.builder().locationDatabase(anonymous).open())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a City or Country database");
        // A later file's failure also fails the whole open, naming that file.
        assertThatThrownBy(() -> MaxMindGeoResolver.builder().locationDatabase(city)
                .anonymousDatabase(dir.resolve("GeoIP2-Anonymous-IP.mmdb")).open())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GeoIP database not found")
                .hasMessageContaining("GeoIP2-Anonymous-IP.mmdb");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("marker not found");
    }
}
