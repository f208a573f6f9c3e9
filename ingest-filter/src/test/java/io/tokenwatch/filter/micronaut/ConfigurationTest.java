package io.tokenwatch.filter.micronaut;

import io.micronaut.context.ApplicationContext;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.gateway.GatewayConfiguration;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy;
import io.tokenwatch.filter.validation.KeyRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@code tokenwatch.*} properties bind, and the parsers behind the less obvious ones. */
class ConfigurationTest {

    @Test
    void shouldBindPropertiesWithDefaultsAndKeepKafkaNamesVerbatim() {
        try (ApplicationContext context = ApplicationContext.run(Map.of(
                "tokenwatch.filter.enabled", false,
                "tokenwatch.filter.audiences", "a, b",
                "tokenwatch.filter.clock-skew", "30s",
                "tokenwatch.filter.kafka.properties.security.protocol", "SSL",
                "tokenwatch.filter.kafka.properties.ssl.truststore.location", "/etc/kafka/trust.p12",
                "tokenwatch.filter.rate-limit.rules", List.of("api /api/** 100/1m 20/1m", "any /** - 5/s"),
                "tokenwatch.gateway.subject-format", "sub"))) {
            TokenwatchFilterConfiguration config = context.getBean(TokenwatchFilterConfiguration.class);

            assertThat(config.getAudiences()).containsExactly("a", "b");
            assertThat(config.getClockSkew()).isEqualTo(Duration.ofSeconds(30));
            assertThat(config.getMaxTokenBytes()).isEqualTo(8192);
            assertThat(config.isRequireReady()).isTrue();
            assertThat(config.getExcludedPaths()).containsExactly("/health/**", "/prometheus");
            assertThat(config.getRealm()).isEqualTo("service");
            assertThat(config.getFilterId()).isNotBlank();
            assertThat(config.getKafka().getProperties()).containsEntry("security.protocol", "SSL")
                    .containsEntry("ssl.truststore.location", "/etc/kafka/trust.p12");
            assertThat(config.getRateLimit().getRules()).hasSize(2);
            assertThat(context.getBean(GatewayConfiguration.class).getSubjectFormat())
                    .isEqualTo(GatewayConfiguration.SubjectFormat.SUB);
            assertThat(context.getBean(GatewayConfiguration.class).getSubjectHeader())
                    .isEqualTo("X-Tokenwatch-Subject");
            assertThat(context.containsBean(TokenFilter.class)).as("disabled").isFalse();
        }
    }

    @Test
    void shouldParseRateLimitRulesInOrder() {
        RateLimitPolicy policy = RateLimitRules.parse(List.of("login /oauth/** 30/1m 5/1m", "any /** - 10/s"));

        assertThat(policy.rules()).extracting(RateLimitPolicy.Rule::id).containsExactly("login", "any");
        assertThat(policy.ruleFor("/oauth/token").orElseThrow().perIp())
                .hasValue(RateLimitPolicy.Limit.perMinute(5));
        assertThat(policy.ruleFor("/x").orElseThrow().perSubject()).isEmpty();
        assertThat(policy.ruleFor("/x").orElseThrow().perIp()).hasValue(RateLimitPolicy.Limit.perSecond(10));
        assertThatThrownBy(() -> RateLimitRules.parse(List.of("api /api/** 100")))
                .hasMessageContaining("<id> <pattern> <per-subject> <per-ip>");
        assertThatThrownBy(() -> RateLimitRules.parse(List.of("api /api/** 100/week -")))
                .hasMessageContaining("100/week");
    }

    @Test
    void shouldExcludeOnlyPlainPathsAndMapPathsToTemplates() {
        PathRules rules = new PathRules(List.of("/health/**", "/prometheus"), List.of("/orders/{id}", "/orders/{id}/items"));

        assertThat(rules.matches("/health")).isTrue();
        assertThat(rules.matches("/health/readiness")).isTrue();
        assertThat(rules.matches("/prometheus")).isTrue();
        assertThat(rules.matches("/prometheus/x")).isFalse();
        assertThat(rules.matches("/health/../admin")).isFalse();
        assertThat(rules.matches("/health/./x")).isFalse();
        assertThat(rules.matches("/health%2F..%2Fadmin")).isFalse();
        assertThat(rules.matches("/health//x")).isFalse();
        assertThat(rules.matches("/health\\..\\admin")).isFalse();
        assertThat(rules.routeFor("/orders/42")).isEqualTo("/orders/{id}");
        assertThat(rules.routeFor("/orders/42/items")).isEqualTo("/orders/{id}/items");
        assertThat(rules.routeFor("/orders")).isEqualTo("/orders");
        assertThat(rules.routeFor("/other/1")).isEqualTo("/other/1");
    }

    @Test
    void shouldLoadKeysFromEachSourceAndNameTheFailingOne(@TempDir Path dir) throws Exception {
        TestIssuer issuer = new TestIssuer();
        TokenwatchFilterConfiguration.Keys jwk = new TokenwatchFilterConfiguration.Keys();
        jwk.setJwk(issuer.jwk());
        assertThat(KeySources.load(jwk).find(TestIssuer.KID)).isPresent();

        TokenwatchFilterConfiguration.Keys pem = new TokenwatchFilterConfiguration.Keys();
        pem.setPemFile(issuer.pemFile(dir).toString());
        assertThatThrownBy(() -> KeySources.load(pem)).hasMessageContaining("needs tokenwatch.filter.keys.alg");
        pem.setAlg("ES256");
        pem.setKid("k1");
        KeyRing ring = KeySources.load(pem);
        assertThat(ring.find("k1")).isPresent();
        assertThat(ring.algorithms()).containsExactly("ES256");

        TokenwatchFilterConfiguration.Keys hmac = new TokenwatchFilterConfiguration.Keys();
        hmac.setAlg("HS256");
        hmac.setHmacSecret("base64:" + java.util.Base64.getEncoder().encodeToString(
                "a 32-byte-or-longer random secret value!".getBytes()));
        assertThat(KeySources.load(hmac).algorithms()).containsExactly("HS256");
        hmac.setHmacSecret("short");
        assertThatThrownBy(() -> KeySources.load(hmac)).hasMessageContaining("tokenwatch.filter.keys.hmac-secret")
                .hasMessageNotContaining("short");

        TokenwatchFilterConfiguration.Keys garbage = new TokenwatchFilterConfiguration.Keys();
        Path bad = Files.writeString(dir.resolve("bad.pem"), "not a key");
        garbage.setPemFile(bad.toString());
        garbage.setAlg("ES256");
        assertThatThrownBy(() -> KeySources.load(garbage)).hasMessageContaining("pem-file " + bad);

        assertThatThrownBy(() -> KeySources.load(new TokenwatchFilterConfiguration.Keys()))
                .hasMessageContaining("no verification key configured");
    }
}
