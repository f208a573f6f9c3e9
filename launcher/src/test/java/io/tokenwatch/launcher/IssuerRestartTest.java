package io.tokenwatch.launcher;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tokenwatch.schemas.JsonSerde;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A restarted demo issuer never confuses the gateways that trust it: on the same key file it comes
 * back with the same key and {@code kid}, so tokens minted before and after verify against one
 * JWKS; with a new key it publishes a new {@code kid}, so a gateway holding the old JWKS reports
 * an unknown key instead of a forgery.
 */
class IssuerRestartTest {

    @Test
    void shouldKeepKeyAndKidAcrossARestartOnTheSameKeyFile(@TempDir Path dir) throws Exception {
        Path keyFile = dir.resolve("issuer").resolve("issuer-key.pem");
        DemoIssuer first = issuer(IssuerKeyFile.loadOrCreate(keyFile));
        String before = first.mint("alice", "j-1", Duration.ofMinutes(5));
        String jwksBefore = IssuerCommand.jwks(first);

        DemoIssuer restarted = issuer(IssuerKeyFile.loadOrCreate(keyFile));
        String after = restarted.mint("alice", "j-2", Duration.ofMinutes(5));

        assertThat(restarted.keyId()).isEqualTo(first.keyId());
        assertThat(IssuerCommand.jwks(restarted)).isEqualTo(jwksBefore);
        assertThat(subjectVerifiedWith(jwksBefore, before)).isEqualTo("alice");
        assertThat(subjectVerifiedWith(jwksBefore, after)).isEqualTo("alice");
        assertThat(Files.readString(keyFile)).contains("-----BEGIN PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    }

    @Test
    void shouldPublishANewKidForANewKey() throws Exception {
        DemoIssuer first = issuer(DemoIssuer.newP256KeyPair());
        DemoIssuer second = issuer(DemoIssuer.newP256KeyPair());

        String token = second.mint("alice", "j-1", Duration.ofMinutes(5));

        assertThat(second.keyId()).isNotEqualTo(first.keyId()).startsWith("demo-es256-");
        assertThat(Jwks.setParser().build().parse(IssuerCommand.jwks(second)).getKeys())
                .extracting(Jwk::getId).containsExactly(second.keyId());
        String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                StandardCharsets.UTF_8);
        assertThat(JsonSerde.MAPPER.readTree(header).get("kid").asText()).isEqualTo(second.keyId());
        assertThat(DemoIssuer.keyIdOf(second.publicKey())).isEqualTo(second.keyId());
    }

    @Test
    void shouldRefuseAKeyFileWhosePrivateAndPublicKeysDoNotBelongTogether(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.pem");
        Path b = dir.resolve("b.pem");
        IssuerKeyFile.loadOrCreate(a);
        IssuerKeyFile.loadOrCreate(b);
        String first = Files.readString(a);
        String second = Files.readString(b);
        String mixed = first.substring(0, first.indexOf("-----BEGIN PUBLIC KEY-----"))
                + second.substring(second.indexOf("-----BEGIN PUBLIC KEY-----"));
        Path file = Files.writeString(dir.resolve("mixed.pem"), mixed);

        assertThatThrownBy(() -> IssuerKeyFile.loadOrCreate(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("issuer key file " + file).hasMessageContaining("do not belong together");
        assertThat(Files.readString(file)).isEqualTo(mixed);
    }

    private static DemoIssuer issuer(KeyPair keys) {
        return new DemoIssuer(Clock.systemUTC(), keys, DemoIssuer.keyIdOf(keys.getPublic()));
    }

    private static String subjectVerifiedWith(String jwks, String token) {
        PublicKey key = (PublicKey) Jwks.setParser().build().parse(jwks).getKeys().iterator().next().toKey();
        return Jwts.parser().verifyWith(key).build().parseSignedClaims(token).getPayload().getSubject();
    }
}
