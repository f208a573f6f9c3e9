package io.tokenwatch.filter.clientip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {

    @Test
    void shouldMatchAddressesInsideAnIpv4Network() {
        Cidr network = Cidr.parse("10.0.0.0/8");

        assertThat(network.contains("10.0.0.1")).isTrue();
        assertThat(network.contains("10.255.255.255")).isTrue();
        assertThat(network.contains("11.0.0.0")).isFalse();
        assertThat(network.contains("9.255.255.255")).isFalse();
    }

    @Test
    void shouldMatchOnPrefixesThatAreNotWholeBytes() {
        Cidr network = Cidr.parse("192.0.2.64/27");

        assertThat(network.contains("192.0.2.64")).isTrue();
        assertThat(network.contains("192.0.2.95")).isTrue();
        assertThat(network.contains("192.0.2.96")).isFalse();
        assertThat(network.contains("192.0.2.63")).isFalse();
    }

    @Test
    void shouldMatchAddressesInsideAnIpv6Network() {
        Cidr network = Cidr.parse("2001:db8::/32");

        assertThat(network.contains("2001:db8::1")).isTrue();
        assertThat(network.contains("2001:DB8:FFFF::1")).isTrue();
        assertThat(network.contains("2001:db9::1")).isFalse();
    }

    @Test
    void shouldTreatABareAddressAsANetworkOfOne() {
        assertThat(Cidr.parse("192.0.2.1")).hasToString("192.0.2.1/32");
        assertThat(Cidr.parse("::1")).hasToString("::1/128");
        assertThat(Cidr.parse("192.0.2.1").contains("192.0.2.1")).isTrue();
        assertThat(Cidr.parse("192.0.2.1").contains("192.0.2.2")).isFalse();
    }

    @Test
    void shouldNeverMatchAcrossFamiliesExceptIpv4MappedAddresses() {
        assertThat(Cidr.parse("0.0.0.0/0").contains("::1")).isFalse();
        assertThat(Cidr.parse("::/0").contains("192.0.2.1")).isFalse();
        assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:10.1.2.3")).isTrue();
    }

    @Test
    void shouldNotContainAnythingThatIsNotAnAddress() {
        Cidr everything = Cidr.parse("0.0.0.0/0");

        assertThat(everything.contains("localhost")).isFalse();
        assertThat(everything.contains("unknown")).isFalse();
        assertThat(everything.contains((String) null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1/8", "2001:db8::1/32", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x",
            "localhost/8", "example.com", "10.0.0.0/-1", "10.0.0.0/08 0"})
    void shouldRefuseMalformedOrAmbiguousNetworks(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCanonicalizeWhatItPrints() {
        assertThat(Cidr.parse("2001:0DB8:0000::/32")).hasToString("2001:db8::/32").isEqualTo(Cidr.parse("2001:db8::/32"));
    }
}
