package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTableGeoResolverTest {

    private static final List<String> TABLE = List.of(
            "cidr,country,region,lat,lon,asn",
            "# offices",
            "10.0.0.0/8,US,,,,",
            "10.20.0.0/16,DE,BE,52.52,13.405,",
            "",
            "  10.20.30.0/24 , DE , BE , 52.5 , 13.4 , 64496  ",
            "192.0.2.0/24,FR,IDF,48.8566,2.3522,64497",
            "fd00:1::/32,JP,13,,,",
            "198.51.100.0/24,,,,,64498");

    private final CidrTableGeoResolver table = CidrTableGeoResolver.parse(TABLE, "geo.csv");

    @TempDir
    Path dir;

    private TokenUsageEvent.Geo resolve(String ip) {
        return table.resolve(ip, false, RequestHeaders.NONE).orElse(null);
    }

    @Test
    void shouldAnswerWithTheMostSpecificNetwork() {
        assertThat(resolve("10.1.1.1")).isEqualTo(new TokenUsageEvent.Geo("US", null, null, null, null));
        assertThat(resolve("10.20.1.1")).isEqualTo(new TokenUsageEvent.Geo("DE", "BE", 52.52, 13.405, null));
        assertThat(resolve("10.20.30.40")).isEqualTo(new TokenUsageEvent.Geo("DE", "BE", 52.5, 13.4, 64496L));
        assertThat(table.size()).isEqualTo(6);
    }

    @Test
    void shouldPlaceDocumentationIpv6AndAsnOnlyRows() {
        assertThat(resolve("192.0.2.10")).isEqualTo(new TokenUsageEvent.Geo("FR", "IDF", 48.8566, 2.3522, 64497L));
        assertThat(resolve("fd00:1:2::9")).isEqualTo(new TokenUsageEvent.Geo("JP", "13", null, null, null));
        assertThat(resolve("::ffff:10.20.30.1")).isEqualTo(resolve("10.20.30.1"));
        assertThat(resolve("198.51.100.1")).isEqualTo(new TokenUsageEvent.Geo(null, null, null, null, 64498L));
    }

    @Test
    void shouldNotAnswerOutsideTheTable() {
        assertThat(resolve("11.0.0.1")).isNull();
        assertThat(resolve("fd00:2::1")).isNull();
        assertThat(resolve("garbage")).isNull();
    }

    @Test
    void shouldLoadFileWithByteOrderMark() throws IOException {
        Path file = Files.writeString(dir.resolve("geo.csv"), "\uFEFFcidr,country,region,lat,lon,asn\n"
                + "172.16.0.0/12,GB,ENG,51.5,-0.12,\n");

        assertThat(CidrTableGeoResolver.load(file).resolve("172.16.9.9", false, RequestHeaders.NONE))
                .contains(new TokenUsageEvent.Geo("GB", "ENG", 51.5, -0.12, null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "10.0.0.1/8,US,,,,         | host bits set",
            "10.0.0.0/8,us,,,,         | country must be ISO 3166-1",
            "10.0.0.0/8,USA,,,,        | country must be ISO 3166-1",
            "10.0.0.0/8,US,Bavaria,,,  | region must be an ISO 3166-2",
            "10.0.0.0/8,US,,91,0,      | lat must be decimal degrees",
            "10.0.0.0/8,US,,0,NaN,     | lon must be decimal degrees",
            "10.0.0.0/8,US,,10,,       | lat and lon come together",
            "10.0.0.0/8,US,,,,0        | asn must be a number",
            "10.0.0.0/8,US,,,,AS-1     | asn must be a number",
            "10.0.0.0/8,,,,,           | gives no geo",
            "10.0.0.0/8,US,,,          | expected 6 to 9 fields",
            "10.0.0.0/8,US,,,,,,,,,    | expected 6 to 9 fields",
            "10.0.0.0/8,US,,1,2,,-5    | accuracy_radius_km must be whole kilometres",
            "10.0.0.0/8,US,,1,2,,20039 | accuracy_radius_km must be whole kilometres",
            "10.0.0.0/8,US,,1,2,,1.5   | accuracy_radius_km must be whole kilometres",
            "10.0.0.0/8,US,,,,,50      | accuracy_radius_km needs lat and lon",
            "10.0.0.0/8,US,,,,,,mobile | connection_type must be one of cable_dsl, cellular, corporate, satellite, dialup",
            "10.0.0.0/8,US,,,,,,Cellular | connection_type must be one of",
            "10.0.0.0/8,,,,,,,,proxy   | anonymizer must be one of vpn, hosting, public_proxy, residential_proxy, tor",
            "10.0.0.0/8,,,,,,,,VPN     | anonymizer must be one of",
            "10.0.0.0/8,,,,,,,,        | gives no geo",
            "example.com,US,,,,        | not an IP address"})
    void shouldRefuseBadLineNamingItsLine(String line, String problem) {
        assertThatThrownBy(() -> CidrTableGeoResolver.parse(List.of("cidr,country,region,lat,lon,asn", "# x", line),
                "geo.csv"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("geo.csv:3: ")
                .hasMessageContaining(problem);
    }

    @Test
    void shouldReadTheOptionalRadiusConnectionTypeAndAnonymizerColumns() {
        CidrTableGeoResolver extended = CidrTableGeoResolver.parse(List.of(
                "cidr,country,region,lat,lon,asn,accuracy_radius_km,connection_type,anonymizer",
                "10.20.0.0/16,DE,BE,52.52,13.405,,5,corporate,",
                "10.30.0.0/16,DE,BE,52.52,13.405,,50,,vpn",
                "10.40.0.0/16,DE,,,,,,cellular",
                "10.50.0.0/16,GB,ENG,51.5,-0.12,64500,0",
                "198.51.100.0/24,,,,,,,,tor",
                "10.60.0.0/16,US,,,,"), "geo.csv");

        assertThat(extended.resolve("10.20.1.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("DE",
                "BE", 52.52, 13.405, null, 5, ConnectionType.CORPORATE, null));
        assertThat(extended.resolve("10.30.1.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("DE",
                "BE", 52.52, 13.405, null, 50, null, Anonymizer.VPN));
        assertThat(extended.resolve("10.40.1.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("DE",
                null, null, null, null, null, ConnectionType.CELLULAR, null));
        assertThat(extended.resolve("10.50.1.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("GB",
                "ENG", 51.5, -0.12, 64500L, 0, null, null));
        assertThat(extended.resolve("198.51.100.7", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo(null,
                null, null, null, null, null, null, Anonymizer.TOR));
        // A six-column line in the same file: no radius, no network kind.
        assertThat(extended.resolve("10.60.1.1", false, RequestHeaders.NONE))
                .contains(new TokenUsageEvent.Geo("US", null, null, null, null));
    }

    @Test
    void shouldNameTheLineOfABadValueInTheNewColumnsOfAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("geo.csv"), "cidr,country,region,lat,lon,asn\n"
                + "10.20.0.0/16,DE,BE,52.52,13.405,,5,corporate,\n"
                + "10.30.0.0/16,DE,BE,52.52,13.405,,5,wifi,\n");

        assertThatThrownBy(() -> CidrTableGeoResolver.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ":3: connection_type must be one of")
                .hasMessageEndingWith(": 'wifi'");
    }

    @Test
    void shouldRefuseRepeatedNetwork() {
        assertThatThrownBy(() -> CidrTableGeoResolver.parse(List.of("10.0.0.0/8,US,,,,", "10.0.0.0/8,DE,,,,"), "t"))
                .hasMessage("t:2: network 10.0.0.0/8 appears twice");
    }

    @Test
    void shouldRefuseMissingFile() {
        Path missing = dir.resolve("nope.csv");

        assertThatThrownBy(() -> CidrTableGeoResolver.load(missing))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("geo table not found: " + missing);
    }
}
