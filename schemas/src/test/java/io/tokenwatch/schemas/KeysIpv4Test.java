package io.tokenwatch.schemas;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written dotted-quad check accepts exactly what the grammar's regular expression does. */
class KeysIpv4Test {

    /** RFC 3986 §3.2.2 IPv4address, as the regular expression it replaced wrote it. */
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    @Property(tries = 5000)
    void shouldAgreeWithTheGrammar(@ForAll("addressLike") String text) {
        assertThat(Keys.isIpv4(text)).as(text).isEqualTo(IPV4.matcher(text).matches());
    }

    @Provide
    Arbitrary<String> addressLike() {
        Arbitrary<String> octet = Arbitraries.oneOf(Arbitraries.integers().between(0, 300).map(String::valueOf),
                Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(4));
        Arbitrary<String> dotted = octet.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join(".", parts));
        return Arbitraries.oneOf(dotted, Arbitraries.strings().withChars("0123456789.: /x").ofMaxLength(17));
    }
}
