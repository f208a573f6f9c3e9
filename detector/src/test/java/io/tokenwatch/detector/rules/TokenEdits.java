package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.TokenUsageEvent;

/**
 * Test fixture: changes one token fact of an event built by {@link UsageEvents} (fingerprint, kid, alg,
 * issuer, lifetime, audience), for the forgery, failure and lifetime rules that look at those facts.
 */
final class TokenEdits {

    private TokenEdits() {
    }

    /** A distinct valid fingerprint per {@code n}. */
    static String fingerprint(int n) {
        return "%064x".formatted(n);
    }

    static TokenUsageEvent fingerprint(TokenUsageEvent event, int n) {
        return with(event, fingerprint(n), event.token().kid(), event.token().alg(), event.token().iss(),
                event.token().issuedAt(), event.token().expiresAt());
    }

    static TokenUsageEvent keyed(TokenUsageEvent event, String kid, String alg) {
        return with(event, event.token().fingerprint(), kid, alg, event.token().iss(), event.token().issuedAt(),
                event.token().expiresAt());
    }

    static TokenUsageEvent issuer(TokenUsageEvent event, String iss) {
        return with(event, event.token().fingerprint(), event.token().kid(), event.token().alg(), iss,
                event.token().issuedAt(), event.token().expiresAt());
    }

    /** The token issued at {@code iat} and expiring at {@code exp}. */
    static TokenUsageEvent lifetime(TokenUsageEvent event, long iat, long exp) {
        return with(event, event.token().fingerprint(), event.token().kid(), event.token().alg(), event.token().iss(),
                iat, exp);
    }

    static TokenUsageEvent audience(TokenUsageEvent event, String aud) {
        TokenUsageEvent.TokenFacts t = event.token();
        return new TokenUsageEvent(event.schemaVersion(), event.eventId(), event.eventTime(), event.filterId(),
                event.service(), event.outcome(), new TokenUsageEvent.TokenFacts(t.fingerprint(), t.verified(),
                t.jti(), t.sub(), t.iss(), java.util.List.of(aud), t.issuedAt(), t.expiresAt(), t.notBefore(),
                t.kid(), t.alg()), event.request());
    }

    private static TokenUsageEvent with(TokenUsageEvent e, String fingerprint, String kid, String alg, String iss,
                                        Long iat, Long exp) {
        TokenUsageEvent.TokenFacts t = e.token();
        return new TokenUsageEvent(e.schemaVersion(), e.eventId(), e.eventTime(), e.filterId(), e.service(),
                e.outcome(), new TokenUsageEvent.TokenFacts(fingerprint, t.verified(), t.jti(), t.sub(), iss, t.aud(),
                iat, exp, t.notBefore(), kid, alg), e.request());
    }
}
