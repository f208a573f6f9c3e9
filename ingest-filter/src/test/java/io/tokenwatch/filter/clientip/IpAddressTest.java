package io.tokenwatch.filter.clientip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpAddressTest {

    @ParameterizedTest
    @CsvSource({
            "192.0.2.1, 192.0.2.1",
            "0.0.0.0, 0.0.0.0",
            "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0db8::0001, 2001:db8::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "::, ::",
            "::1, ::1",
            "fe80::, fe80::",
            "::ffff:192.0.2.1, 192.0.2.1",
            "::FFFF:c000:0201, 192.0.2.1",
            "64:ff9b::192.0.2.1, 64:ff9b::c000:201"})
    void shouldWriteTheCanonicalForm(String literal, String canonical) {
        assertThat(IpAddress.parse(literal)).hasToString(canonical);
    }

    @Test
    void shouldTreatIpv4MappedIpv6AsTheIpv4Client() {
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; it is the same client.
        assertThat(IpAddress.parse("::ffff:198.51.100.7")).isEqualTo(IpAddress.parse("198.51.100.7"));
        assertThat(IpAddress.parse("::ffff:198.51.100.7").isIpv4()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "attacker.test", "192.0.2", "192.0.2.1.5", "192.0.02.1",
            "256.0.0.1", "1.2.3.4/32", "fe80::1%eth0", "[::1]", "1.2.3.4:80", "::1::2", "1:2:3:4:5:6:7:8:9", "",
            " 1.2.3.4", "unknown", "0x7f.0.0.1", "2130706433"})
    void shouldRefuseEverythingButALiteralWithoutResolvingIt(String text) {
        // Host names are refused, never looked up: nothing here may reach DNS.
        assertThatThrownBy(() -> IpAddress.parse(text)).isInstanceOf(IllegalArgumentException.class);
        assertThat(IpAddress.tryParse(text)).isEmpty();
    }

    @Test
    void shouldMaskToAPrefix() {
        assertThat(IpAddress.parse("2001:db8:1:2:3:4:5:6").mask(64)).hasToString("2001:db8:1:2::");
        assertThat(IpAddress.parse("198.51.100.77").mask(24)).hasToString("198.51.100.0");
        assertThat(IpAddress.parse("198.51.100.77").mask(32)).hasToString("198.51.100.77");
        assertThat(IpAddress.parse("198.51.100.77").mask(0)).hasToString("0.0.0.0");
        assertThatThrownBy(() -> IpAddress.parse("198.51.100.77").mask(33))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
