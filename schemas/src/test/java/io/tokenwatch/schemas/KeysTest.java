package io.tokenwatch.schemas;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeysTest {

    @Test
    void shouldFormatSubjectKeyAsIssuerBarSubject() {
        assertThat(Keys.subject("https://idp.example.com", "alice")).isEqualTo("https://idp.example.com|alice");
    }

    @Test
    void shouldFormatIpKey() {
        assertThat(Keys.ip("198.51.100.7")).isEqualTo("ip|198.51.100.7");
        assertThat(Keys.ip("2001:db8::/32")).isEqualTo("ip|2001:db8::/32");
    }

    @Test
    void shouldFormatJtiKey() {
        assertThat(Keys.jti("https://idp.example.com", "j-1")).isEqualTo("jti|https://idp.example.com|j-1");
    }

    @Test
    void shouldFormatSubjectScopeKey() {
        assertThat(Keys.subjectScope("https://idp.example.com", "alice")).isEqualTo("sub|https://idp.example.com|alice");
    }

    @Test
    void shouldKeepSeparatorInsideSubject() {
        assertThat(Keys.subject("iss", "a|b")).isEqualTo("iss|a|b");
    }

    @Test
    void shouldRejectBlankParts() {
        assertThatThrownBy(() -> Keys.subject(" ", "alice")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.jti("iss", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.subjectScope("iss", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldKeyEachRevocationScopeCanonically() {
        assertThat(TestEvents.revocation(Revocation.Scope.JTI).build().key())
                .isEqualTo("jti|" + TestEvents.ISSUER + "|" + TestEvents.JTI);
        assertThat(TestEvents.revocation(Revocation.Scope.SUBJECT).build().key())
                .isEqualTo("sub|" + TestEvents.ISSUER + "|" + TestEvents.SUBJECT);
        assertThat(TestEvents.revocation(Revocation.Scope.IP).build().key()).isEqualTo("ip|203.0.113.0/24");
    }

    @Test
    void shouldKeyUsageEventBySubjectOnlyWhenVerified() {
        assertThat(TestEvents.usage().build().key()).isEqualTo(TestEvents.ISSUER + "|" + TestEvents.SUBJECT);
        assertThat(TestEvents.usage().token(TestEvents.token().verified(false).build()).build().key())
                .isEqualTo("ip|198.51.100.7");
        assertThat(TestEvents.usage().token(null).build().key()).isEqualTo("ip|198.51.100.7");
        assertThat(TestEvents.usage().token(TestEvents.token().sub(null).build()).build().key())
                .isEqualTo("ip|198.51.100.7");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "0.0.0.0", "10.0.0.1", "255.255.255.255", "198.51.100.7",
            "10.0.0.0/8", "192.168.1.0/24", "0.0.0.0/0", "203.0.113.9/32",
            "::", "::1", "2001:db8::7", "2001:DB8:0:0:8:800:200C:417A", "fe80::", "1::",
            "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:192.0.2.1", "64:ff9b::198.51.100.7",
            "1:2:3:4:5:6:192.0.2.1",
            "2001:db8::/32", "::/0", "2001:db8::1/128"})
    void shouldAcceptIpAndCidrLiterals(String value) {
        assertThat(Keys.requireIpOrCidr(value)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "localhost", "proxy.example.com", "example", "cafe", "face.b00c", "deadbeef",
            "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", " 10.0.0.1", "10.0.0.1 ",
            ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1", "::1%eth0",
            "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "1.2.3.4::", "[::1]", "1:2:3:4:5:6:7:8::"})
    void shouldRejectWhatIsNotAnIpLiteral(String value) {
        assertThatThrownBy(() -> Keys.requireIpOrCidr(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an IP address or CIDR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8/8",
            "2001:db8::/129", "::/1000", "10.0.0.0/ 8"})
    void shouldRejectBadCidrPrefix(String value) {
        assertThatThrownBy(() -> Keys.requireIpOrCidr(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CIDR prefix");
    }

    @Test
    void shouldRejectBlankOrNullIp() {
        assertThatThrownBy(() -> Keys.requireIpOrCidr("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.requireIpOrCidr(null)).isInstanceOf(NullPointerException.class);
    }
}
