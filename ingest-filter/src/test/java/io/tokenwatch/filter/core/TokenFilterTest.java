package io.tokenwatch.filter.core;

import io.tokenwatch.filter.CapturingSink;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static io.tokenwatch.filter.TestTokens.AUDIENCE;
import static io.tokenwatch.filter.TestTokens.CLOCK;
import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static io.tokenwatch.filter.TestTokens.RS256;
import static io.tokenwatch.filter.TestTokens.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;

class TokenFilterTest {

    private static final String CLIENT_IP = "203.0.113.9";
    private static final String REALM = "tokenwatch";
    private static final String REVOKED_JTI = "jti-revoked";
    private static final UUID EVENT_ID = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final String INVALID_TOKEN_CHALLENGE = "Bearer realm=\"tokenwatch\", error=\"invalid_token\", "
            + "error_description=\"The access token is invalid\"";

    private final CapturingSink sink = new CapturingSink();
    private final RevocationView revocations = new RevocationView(CLOCK);
    private final TokenFilter filter = new TokenFilter(new TokenFilter.Settings("filter-1", "accounts", REALM),
            TestTokens.validator(RS256, HS256), revocations, sink, CLOCK, () -> EVENT_ID);

    TokenFilterTest() {
        block(Revocation.blockToken(ISSUER, REVOKED_JTI, NOW.plus(Duration.ofHours(1)).toEpochMilli(), "test",
                "operator:alice", NOW.minusSeconds(1).toEpochMilli()));
    }

    /** One request per outcome the filter can reach, with the answer it must get. */
    static Stream<Arguments> everyOutcome() {
        return Stream.of(
                outcome("accepted", bearer(TestTokens.rs256().sign()), Outcome.ACCEPTED, 200),
                outcome("no Authorization", request(List.of()), Outcome.MISSING_TOKEN, 401),
                outcome("two Authorization headers", request(List.of("Bearer " + TestTokens.rs256().sign(),
                        "Bearer " + TestTokens.hs256().sign())), Outcome.MALFORMED, 400),
                outcome("two tokens in one header", request(List.of("Bearer " + TestTokens.rs256().sign() + " "
                        + TestTokens.hs256().sign())), Outcome.MALFORMED, 400),
                outcome("Basic scheme", request(List.of("Basic dXNlcjpwYXNzd29yZA==")), Outcome.MALFORMED, 400),
                outcome("expired", bearer(TestTokens.rs256().expiresAt(NOW.minus(Duration.ofHours(1))).sign()),
                        Outcome.EXPIRED, 401),
                outcome("no exp", bearer(TestTokens.rs256().expiresAt(null).sign()), Outcome.MISSING_CLAIM, 401),
                outcome("nbf ahead", bearer(TestTokens.rs256().notBefore(NOW.plus(Duration.ofHours(1))).sign()),
                        Outcome.NOT_YET_VALID, 401),
                outcome("wrong iss", bearer(TestTokens.rs256().issuer("https://evil.test").sign()),
                        Outcome.ISSUER, 401),
                outcome("wrong aud", bearer(TestTokens.rs256().audience("other").sign()), Outcome.AUDIENCE, 401),
                outcome("bad signature", bearer(TestTokens.rs256().signWith(TestTokens.PS256).sign()),
                        Outcome.BAD_SIGNATURE, 401),
                outcome("unknown kid", bearer(TestTokens.rs256().kid("gone").sign()), Outcome.UNKNOWN_KEY, 401),
                outcome("alg none", bearer(TestTokens.rs256().alg("none").unsigned()), Outcome.ALG_NOT_ALLOWED, 401),
                outcome("alg confusion", bearer(TestTokens.rs256().alg("HS256")
                        .signWithHmacSecret(RS256.publicKeyBytes()).sign()), Outcome.ALG_NOT_ALLOWED, 401),
                outcome("jku", bearer(TestTokens.rs256().jku("https://attacker.test/jwks").sign()),
                        Outcome.MALFORMED, 401),
                outcome("garbage", bearer("not-a-jwt-at-all-but-long-enough-to-search-for"), Outcome.MALFORMED, 401),
                outcome("revoked", bearer(TestTokens.rs256().jti(REVOKED_JTI).sign()), Outcome.REVOKED, 401));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyOutcome")
    void shouldEmitExactlyOneEventPerRequestForEveryOutcome(String name, FilterRequest request, Outcome expected,
                                                             int status) {
        FilterDecision decision = filter.check(request);

        assertThat(decision.outcome()).isEqualTo(expected);
        assertThat(decision.status()).isEqualTo(status);
        assertThat(decision.accepted()).isEqualTo(expected == Outcome.ACCEPTED);
        TokenUsageEvent event = sink.single();
        assertThat(event.outcome()).isEqualTo(expected);
        assertThat(event.eventId()).isEqualTo(EVENT_ID.toString());
        assertThat(event.eventTime()).isEqualTo(NOW.toEpochMilli());
        assertThat(event.filterId()).isEqualTo("filter-1");
        assertThat(event.service()).isEqualTo("accounts");
        assertThat(event.request().status()).isEqualTo(status);
        assertThat(event.request().method()).isEqualTo("GET");
        assertThat(event.request().route()).isEqualTo("/accounts/{id}");
        assertThat(event.request().clientIp()).isEqualTo(CLIENT_IP);
        assertThat(event.request().userAgent()).isEqualTo("test-agent/1.0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyOutcome")
    void shouldNeverPutTheRawTokenIntoTheSerializedEvent(String name, FilterRequest request, Outcome expected,
                                                         int status) {
        filter.check(request);

        String json = new String(Topics.TOKEN_USAGE.valueSerde().serializer()
                .serialize(Topics.TOKEN_USAGE.name(), sink.single()), StandardCharsets.UTF_8);
        for (String credential : credentialsOf(request)) {
            assertThat(json).doesNotContain(credential);
            if (credential.chars().filter(c -> c == '.').count() == 2) {
                // The signature is what makes a token usable; not even that part may leak.
                String signature = credential.substring(credential.lastIndexOf('.') + 1);
                if (signature.length() >= 16) {
                    assertThat(json).doesNotContain(signature);
                }
            }
        }
        if (sink.single().token() != null) {
            assertThat(sink.single().token().fingerprint()).matches("[0-9a-f]{64}");
        }
    }

    @Test
    void shouldAcceptValidTokenAndEmitItsVerifiedFacts() {
        String token = TestTokens.rs256().sign();

        FilterDecision decision = filter.check(bearer(token));

        assertThat(decision.accepted()).isTrue();
        assertThat(decision.status()).isEqualTo(200);
        assertThat(decision.headers()).isEmpty();
        assertThat(decision.claims()).hasValueSatisfying(c -> assertThat(c.subject()).isEqualTo(SUBJECT));
        TokenUsageEvent event = sink.single();
        assertThat(event.key()).isEqualTo(ISSUER + "|" + SUBJECT);
        assertThat(event.hasVerifiedSubject()).isTrue();
        TokenUsageEvent.TokenFacts facts = event.token();
        assertThat(facts.verified()).isTrue();
        assertThat(facts.fingerprint()).isEqualTo(TokenValidator.fingerprint(token));
        assertThat(facts.iss()).isEqualTo(ISSUER);
        assertThat(facts.sub()).isEqualTo(SUBJECT);
        assertThat(facts.aud()).containsExactly(AUDIENCE);
        assertThat(facts.jti()).isEqualTo(TestTokens.JTI);
        assertThat(facts.issuedAt()).isEqualTo(NOW.minusSeconds(60).toEpochMilli());
        assertThat(facts.expiresAt()).isEqualTo(NOW.plusSeconds(300).toEpochMilli());
        assertThat(facts.kid()).isEqualTo(RS256.kid());
        assertThat(facts.alg()).isEqualTo("RS256");
    }

    @Test
    void shouldKeyForgedTokenByClientIpNeverByTheClaimedSubject() {
        // A forger names the victim; the event must not land on the victim's key or state.
        String forged = TestTokens.rs256().subject("victim").signWithHmacSecret(new byte[32]).sign();

        FilterDecision decision = filter.check(bearer(forged));

        assertThat(decision.outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        TokenUsageEvent event = sink.single();
        assertThat(event.token().verified()).isFalse();
        assertThat(event.token().sub()).isEqualTo("victim");
        assertThat(event.hasVerifiedSubject()).isFalse();
        assertThat(event.key()).isEqualTo("ip|" + CLIENT_IP).doesNotContain("victim");
    }

    @Test
    void shouldKeyEveryUnverifiedRejectionByClientIp() {
        for (String token : List.of(
                TestTokens.rs256().subject("victim").alg("none").unsigned(),
                TestTokens.rs256().subject("victim").kid("unknown").sign(),
                TestTokens.rs256().subject("victim").alg("HS256").signWithHmacSecret(RS256.publicKeyBytes()).sign(),
                TestTokens.rs256().subject("victim").jku("https://attacker.test/jwks").sign())) {
            sink.clear();
            filter.check(bearer(token));
            assertThat(sink.single().key()).as(sink.single().outcome().wire()).isEqualTo("ip|" + CLIENT_IP);
        }
    }

    @Test
    void shouldAnswerMissingTokenWithBareChallenge() {
        FilterDecision decision = filter.check(request(List.of()));

        assertThat(decision.outcome()).isEqualTo(Outcome.MISSING_TOKEN);
        assertThat(decision.status()).isEqualTo(401);
        // RFC 6750 §3.1: no error code when the request carried no credentials at all.
        assertThat(decision.headers()).containsExactlyEntriesOf(java.util.Map.of("WWW-Authenticate",
                "Bearer realm=\"tokenwatch\""));
        assertThat(decision.headers().get("WWW-Authenticate")).doesNotContain("error");
        assertThat(sink.single().token()).isNull();
        assertThat(sink.single().key()).isEqualTo("ip|" + CLIENT_IP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer a b", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a,b",
            "Bearer\tabc", "Bearer abc\"def", "bearer ab c"})
    void shouldAnswerMalformedCredentialsWithInvalidRequest(String authorization) {
        FilterDecision decision = filter.check(request(List.of(authorization)));

        assertInvalidRequest(decision);
    }

    @Test
    void shouldAnswerTwoAuthorizationHeadersWithInvalidRequest() {
        String token = TestTokens.rs256().sign();

        FilterDecision decision = filter.check(request(List.of("Bearer " + token, "Bearer " + token)));

        // Even two copies of a valid token: RFC 6750 §2 allows one method and one token per request.
        assertInvalidRequest(decision);
    }

    @Test
    void shouldAcceptTheSchemeNameInAnyCase() {
        String token = TestTokens.rs256().sign();

        assertThat(filter.check(request(List.of("bearer " + token))).accepted()).isTrue();
        assertThat(filter.check(request(List.of("BEARER " + token))).accepted()).isTrue();
    }

    @Test
    void shouldAnswerEveryInvalidTokenWithTheSameGenericChallenge() {
        Set<String> challenges = new HashSet<>();
        for (String token : List.of(
                TestTokens.rs256().expiresAt(NOW.minus(Duration.ofHours(1))).sign(),
                TestTokens.rs256().signWithHmacSecret(new byte[32]).sign(),
                TestTokens.rs256().alg("none").unsigned(),
                TestTokens.rs256().audience("other").sign(),
                TestTokens.rs256().kid("gone").sign(),
                TestTokens.rs256().jti(REVOKED_JTI).sign(),
                "garbage")) {
            FilterDecision decision = filter.check(bearer(token));
            assertThat(decision.status()).isEqualTo(401);
            assertThat(decision.claims()).isEmpty();
            challenges.add(decision.headers().get("WWW-Authenticate"));
        }

        // The client learns only "invalid"; the reason goes to telemetry.
        assertThat(challenges).containsExactly(INVALID_TOKEN_CHALLENGE);
    }

    @Test
    void shouldRefuseRevokedTokenAndEmitRevoked() {
        String token = TestTokens.rs256().jti(REVOKED_JTI).sign();

        FilterDecision decision = filter.check(bearer(token));

        assertThat(decision.outcome()).isEqualTo(Outcome.REVOKED);
        assertThat(decision.status()).isEqualTo(401);
        assertThat(decision.headers()).containsEntry("WWW-Authenticate", INVALID_TOKEN_CHALLENGE);
        TokenUsageEvent event = sink.single();
        assertThat(event.outcome()).isEqualTo(Outcome.REVOKED);
        // The token itself verified: the event belongs to its subject.
        assertThat(event.token().verified()).isTrue();
        assertThat(event.key()).isEqualTo(ISSUER + "|" + SUBJECT);
    }

    @Test
    void shouldRefuseEveryTokenOfARevokedSubjectIssuedUpToTheCutoff() {
        block(new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, ISSUER, "mallory",
                Revocation.Action.BLOCK, NOW.minusSeconds(10).toEpochMilli(), NOW.plusSeconds(3600).toEpochMilli(),
                "impossible travel", "alert-1", NOW.minusSeconds(10).toEpochMilli()));

        assertThat(filter.check(bearer(TestTokens.rs256().subject("mallory").jti("a")
                .issuedAt(NOW.minusSeconds(20)).sign())).outcome()).isEqualTo(Outcome.REVOKED);
        assertThat(filter.check(bearer(TestTokens.rs256().subject("mallory").jti("b")
                .issuedAt(NOW.minusSeconds(5)).sign())).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(filter.check(bearer(TestTokens.rs256().jti("c").issuedAt(NOW.minusSeconds(20)).sign())).outcome())
                .isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldRefuseValidTokenFromBlockedAddress() {
        block(new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, CLIENT_IP,
                Revocation.Action.BLOCK, null, NOW.plusSeconds(3600).toEpochMilli(), "credential stuffing",
                "alert-2", NOW.minusSeconds(1).toEpochMilli()));

        assertThat(filter.check(bearer(TestTokens.rs256().sign())).outcome()).isEqualTo(Outcome.REVOKED);
        assertThat(filter.check(new FilterRequest("GET", "/", List.of("Bearer " + TestTokens.rs256().sign()),
                "198.51.100.1", null, null)).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldRefuseBlockedAddressBeforeLookingAtItsToken() {
        block(new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, CLIENT_IP,
                Revocation.Action.BLOCK, null, NOW.plusSeconds(3600).toEpochMilli(), "forged-token flood",
                "alert-3", NOW.minusSeconds(1).toEpochMilli()));

        FilterDecision garbage = filter.check(bearer("not.a.token"));
        FilterDecision none = filter.check(request(List.of()));

        assertThat(garbage.outcome()).isEqualTo(Outcome.REVOKED);
        assertThat(none.outcome()).isEqualTo(Outcome.REVOKED);
        // Nothing of the token was read: no fingerprint, no claims.
        assertThat(sink.events()).allSatisfy(e -> assertThat(e.token()).isNull());
    }

    @Test
    void shouldRefuseAnAdapterThatPassesNoClientAddress() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new FilterRequest("GET", "/", List.of(), "unknown", null, null))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new FilterRequest("GET", "/", List.of(), "10.0.0.0/8", null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNotRevokeTheVictimWhenAForgedTokenNamesARevokedJti() {
        // Sanity: revocation is checked only for verified tokens; a forgery is refused for its signature.
        FilterDecision decision = filter.check(bearer(TestTokens.rs256().jti(REVOKED_JTI)
                .signWithHmacSecret(new byte[32]).sign()));

        assertThat(decision.outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
    }

    private void assertInvalidRequest(FilterDecision decision) {
        assertThat(decision.outcome()).isEqualTo(Outcome.MALFORMED);
        assertThat(decision.status()).isEqualTo(400);
        assertThat(decision.headers().get("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"tokenwatch\", error=\"invalid_request\", "
                        + "error_description=\"The request is malformed\"");
        TokenUsageEvent event = sink.single();
        assertThat(event.outcome()).isEqualTo(Outcome.MALFORMED);
        assertThat(event.request().status()).isEqualTo(400);
        assertThat(event.token()).isNull();
    }

    private void block(Revocation revocation) {
        assertThat(revocations.apply(revocation.key(), revocation)).isTrue();
    }

    private static List<String> credentialsOf(FilterRequest request) {
        List<String> credentials = new ArrayList<>();
        for (String header : request.authorization()) {
            for (String word : header.split(" ")) {
                if (word.length() >= 20) {
                    credentials.add(word);
                }
            }
        }
        return credentials;
    }

    private static Arguments outcome(String name, FilterRequest request, Outcome outcome, int status) {
        return Arguments.of(name, request, outcome, status);
    }

    private static FilterRequest bearer(String token) {
        return request(List.of("Bearer " + token));
    }

    private static FilterRequest request(List<String> authorization) {
        return new FilterRequest("GET", "/accounts/{id}", authorization, CLIENT_IP, "test-agent/1.0", null);
    }
}
