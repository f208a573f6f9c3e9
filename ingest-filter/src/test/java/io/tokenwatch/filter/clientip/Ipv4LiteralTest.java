package io.tokenwatch.filter.clientip;

import io.tokenwatch.schemas.Keys;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The dotted-quad shortcut accepts exactly the IPv4 literals the general check does, spelled as it would. */
class Ipv4LiteralTest {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "10.1.0.255", "192.0.2.1", "255.255.255.255", "1.22.133.9"})
    void shouldAcceptCanonicalDottedQuads(String text) {
        assertThat(Ipv4Literal.isCanonical(text)).isTrue();
        assertThat(IpAddress.parse(text)).hasToString(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "256.1.1.1", "1.2.3.4/32", "1..2.3",
            "1.2.3.", ".1.2.3", "1.2.3.4 ", "1234.1.1.1", "::1", "::ffff:1.2.3.4", "a.b.c.d", "1.2.3.-4"})
    void shouldLeaveEverythingElseToTheGeneralParser(String text) {
        assertThat(Ipv4Literal.isCanonical(text)).isFalse();
    }

    @Property(tries = 3000)
    void shouldAgreeWithTheSchemaCheckOnIpv4(@ForAll("addressLike") String text) {
        boolean general;
        try {
            Keys.requireIpOrCidr(text);
            general = text.indexOf(':') < 0 && text.indexOf('/') < 0;
        } catch (IllegalArgumentException e) {
            general = false;
        }

        assertThat(Ipv4Literal.isCanonical(text)).as(text).isEqualTo(general);
        if (general) {
            assertThat(IpAddress.parse(text)).hasToString(text);
        }
    }

    @Provide
    Arbitrary<String> addressLike() {
        Arbitrary<String> octet = Arbitraries.oneOf(Arbitraries.integers().between(0, 300).map(String::valueOf),
                Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(4));
        Arbitrary<String> quad = octet.list().ofMinSize(2).ofMaxSize(5).map(parts -> String.join(".", parts));
        return Arbitraries.oneOf(quad, Arbitraries.strings().withChars("0123456789./:").ofMaxLength(16));
    }
}
