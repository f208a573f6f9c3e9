package io.tokenwatch.filter.gateway;

import io.tokenwatch.filter.geo.TestGeoDatabases;
import io.tokenwatch.filter.micronaut.Http;
import io.tokenwatch.filter.micronaut.SharedKafka;
import io.tokenwatch.filter.micronaut.TestIssuer;
import io.tokenwatch.filter.micronaut.UsageEvents;
import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway with every geo source configured (CDN headers, a table, City, ASN, Connection-Type and
 * Anonymous-IP databases written by the test), on the in-process broker: which source's geo each
 * emitted usage event carries, including accuracy radius, connection type and anonymizer, and the
 * start-up refusals for unusable files. 127.0.0.1 is the trusted proxy; 127.0.0.2 a direct client.
 */
class GeoGatewayTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static final String PROXY = "127.0.0.1";
    private static final String DIRECT = "127.0.0.2";

    @TempDir
    static Path dir;
    private static EchoUpstream upstream;
    private static Gateway gateway;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EchoUpstream();
        gateway = Gateway.start(properties());
        base = Http.loopback(gateway.port());
        assertThat(gateway.awaitReady(Duration.ofSeconds(30))).as("revocations caught up").isTrue();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static Map<String, Object> properties() throws IOException {
        Path table = Files.writeString(dir.resolve("geo.csv"), """
                cidr,country,region,lat,lon,asn,accuracy_radius_km,connection_type,anonymizer
                # the demo's direct client, an office network
                127.0.0.2/32,NO,03,59.9139,10.7522,64496,5,corporate,
                # the databases know this range as hosting; the operator knows it as a VPN provider's
                3.5.140.0/24,,,,,,,,vpn
                """);
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstream.uri().toString());
        props.put("tokenwatch.filter.service", "orders");
        props.put("tokenwatch.filter.filter-id", "gateway-geo");
        props.put("tokenwatch.filter.issuer", TestIssuer.ISSUER);
        props.put("tokenwatch.filter.audiences", TestIssuer.AUDIENCE);
        props.put("tokenwatch.filter.keys.jwk", ISSUER.jwk());
        props.put("tokenwatch.filter.kafka.bootstrap-servers", SharedKafka.bootstrapServers());
        props.put("tokenwatch.filter.kafka.properties.linger.ms", "0");
        props.put("tokenwatch.filter.trusted-proxies", PROXY + "/32");
        props.put("tokenwatch.filter.geo.cdn-headers", true);
        props.put("tokenwatch.filter.geo.table", table.toString());
        props.put("tokenwatch.filter.geo.database", TestGeoDatabases.city(dir).toString());
        props.put("tokenwatch.filter.geo.asn-database", TestGeoDatabases.asn(dir).toString());
        props.put("tokenwatch.filter.geo.connection-type-database", TestGeoDatabases.connectionType(dir).toString());
        props.put("tokenwatch.filter.geo.anonymous-database", TestGeoDatabases.anonymousIp(dir).toString());
        return props;
    }

    @Test
    void shouldEmitDatabaseGeoForClientBehindTrustedProxy() {
        TokenUsageEvent event = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.LONDON_IP);

        assertThat(event.request().clientIp()).isEqualTo(TestGeoDatabases.LONDON_IP);
        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo("GB", "ENG", 51.5142, -0.0931, 20712L,
                10, ConnectionType.CABLE_DSL, null));
    }

    @Test
    void shouldEmitCellularConnectionAndCountryCentroidRadiusFromDatabases() {
        TokenUsageEvent cellular = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.CELLULAR_IP);
        TokenUsageEvent centroid = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.CENTROID_IP);

        assertThat(cellular.request().geo()).isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, 1221L, null,
                ConnectionType.CELLULAR, null));
        assertThat(centroid.request().geo()).isEqualTo(new TokenUsageEvent.Geo("US", null, 37.751, -97.822, null,
                1000, null, null));
    }

    @Test
    void shouldEmitAnonymizerFromAnonymousIpDatabaseWithTheCitysLocation() {
        TokenUsageEvent event = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.VPN_IP);

        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo("NL", "NH", 52.3759, 4.8975, null, 20,
                null, Anonymizer.VPN));
    }

    @Test
    void shouldPreferTheTablesAnonymizerOverTheDatabases() {
        TokenUsageEvent event = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.HOSTING_IP);

        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, null, null,
                null, Anonymizer.VPN));
    }

    @Test
    void shouldPreferCdnHeadersOfTrustedProxyOverDatabaseForLocationAndKeepTheDatabasesNetworkFacts() {
        TokenUsageEvent event = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.LONDON_IP,
                "CloudFront-Viewer-Country: IE", "CloudFront-Viewer-Latitude: 53.3498",
                "CloudFront-Viewer-Longitude: -6.2603");
        TokenUsageEvent tor = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.TOR_IP,
                "CloudFront-Viewer-Country: DE");

        // Location from the CDN only (no radius: CloudFront states none); ASN and connection type from the
        // databases, about the same client address.
        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo("IE", null, 53.3498, -6.2603, 20712L,
                null, ConnectionType.CABLE_DSL, null));
        assertThat(tor.request().geo()).isEqualTo(new TokenUsageEvent.Geo("DE", null, null, null, null, null, null,
                Anonymizer.TOR));
    }

    @Test
    void shouldIgnoreSpoofedCdnHeadersAndForwardedForOfDirectClient() {
        TokenUsageEvent event = send(DIRECT, "X-Forwarded-For: " + TestGeoDatabases.LONDON_IP,
                "CloudFront-Viewer-Country: US", "CloudFront-Viewer-ASN: 15169");

        // Neither header is believed: the socket peer is the client, and the table places it.
        assertThat(event.request().clientIp()).isEqualTo(DIRECT);
        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo("NO", "03", 59.9139, 10.7522, 64496L,
                5, ConnectionType.CORPORATE, null));
    }

    @Test
    void shouldEmitNoGeoForPrivateClientTheTableDoesNotName() {
        // The test database maps 10.0.0.0/8 to US; a private address is never taken from a database.
        TokenUsageEvent event = send(PROXY, "X-Forwarded-For: " + TestGeoDatabases.PRIVATE_MAPPED_IP);

        assertThat(event.request().clientIp()).isEqualTo(TestGeoDatabases.PRIVATE_MAPPED_IP);
        assertThat(event.request().geo()).isNull();
    }

    @Test
    void shouldRefuseToStartWithMissingDatabase() throws IOException {
        Map<String, Object> props = properties();
        Path missing = dir.resolve("GeoLite2-City.mmdb");
        props.put("tokenwatch.filter.geo.database", missing.toString());

        assertThatThrownBy(() -> Gateway.start(props))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tokenwatch.filter.geo.database/asn-database/connection-type-database/"
                        + "anonymous-database: GeoIP database not found (a City or Country database)")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void shouldRefuseToStartWithDatabaseOfTheWrongKindForConnectionTypeOrAnonymity() throws IOException {
        Map<String, Object> swapped = properties();
        Path anonymous = TestGeoDatabases.anonymousIp(dir);
        swapped.put("tokenwatch.filter.geo.connection-type-database", anonymous.toString());
        Map<String, Object> badTable = properties();
        Path table = Files.writeString(dir.resolve("bad-kind.csv"), "10.0.0.0/8,DE,,,,,,,anonymous\n");
        badTable.put("tokenwatch.filter.geo.table", table.toString());

        assertThatThrownBy(() -> Gateway.start(swapped))
                .hasMessageContaining("is a GeoIP2-Anonymous-IP database; expected a GeoIP2-Connection-Type database")
                .hasMessageContaining(anonymous.toString());
        assertThatThrownBy(() -> Gateway.start(badTable))
                .hasMessageContaining("tokenwatch.filter.geo.table: " + table + ":1: anonymizer must be one of");
    }

    @Test
    void shouldRefuseToStartWithCorruptDatabaseOrTable() throws IOException {
        Map<String, Object> corrupt = properties();
        Path garbage = Files.write(dir.resolve("garbage.mmdb"), new byte[] {1, 2, 3, 4});
        corrupt.put("tokenwatch.filter.geo.asn-database", garbage.toString());
        Map<String, Object> badTable = properties();
        Path table = Files.writeString(dir.resolve("bad.csv"), "10.0.0.0/8,Germany,,,,\n");
        badTable.put("tokenwatch.filter.geo.table", table.toString());

        assertThatThrownBy(() -> Gateway.start(corrupt))
                .hasMessageContaining("not a MaxMind DB file").hasMessageContaining(garbage.toString());
        assertThatThrownBy(() -> Gateway.start(badTable))
                .hasMessageContaining("tokenwatch.filter.geo.table: " + table + ":1: country must be ISO 3166-1");
    }

    /** A proxied GET with a fresh token from {@code from}; the usage event it caused. */
    private static TokenUsageEvent send(String from, String... headerLines) {
        String jti = "jti-geo-gw-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder("GET /status/200/orders/1 HTTP/1.1\r\nHost: geo.test\r\n")
                .append("Connection: close\r\nAuthorization: Bearer ").append(ISSUER.mint("gus", jti));
        for (String line : headerLines) {
            head.append("\r\n").append(line);
        }
        assertThat(Http.rawFrom(from, base, head.toString()).status()).isEqualTo(200);
        return UsageEvents.find(SharedKafka.bootstrapServers(), e -> e.token() != null && jti.equals(e.token().jti()),
                Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("no usage event for " + jti));
    }
}
