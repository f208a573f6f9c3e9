package io.tokenwatch.filter.validation;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-pass decoder decodes exactly the canonical spellings, to the bytes the JDK decoder gives. */
class Base64UrlTest {

    @Property(tries = 2000)
    void shouldRoundTripEveryByteString(@ForAll @Size(max = 80) byte[] bytes) {
        String text = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        byte[] ascii = ("." + text + ".").getBytes(StandardCharsets.US_ASCII);

        assertThat(Base64Url.decode(ascii, 1, ascii.length - 1)).isEqualTo(bytes);
    }

    @Property(tries = 3000)
    void shouldDecodeExactlyTheCanonicalSpellings(
            @ForAll @StringLength(max = 24) @CharRange(from = 'A', to = 'F') @Chars({'-', '_', '=', '+', '/', ' ', '?'})
            String text) {
        byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);

        byte[] decoded = Base64Url.decode(ascii, 0, ascii.length);

        boolean canonical = Base64Url.isCanonical(text, 0, text.length());
        assertThat(decoded != null).as(text).isEqualTo(canonical);
        if (canonical) {
            assertThat(decoded).isEqualTo(Base64.getUrlDecoder().decode(text));
        }
    }
}
