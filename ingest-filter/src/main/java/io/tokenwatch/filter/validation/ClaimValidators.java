package io.tokenwatch.filter.validation;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The standard claim checks of an issuer policy, in the order that decides the rejection reason:
 * time ({@code exp}, {@code iat}, lifetime), then identity ({@code iss}, {@code aud}), then the
 * policy's required claims and {@code typ}. Every check runs; all failures are reported.
 *
 * <p>The algorithm allow-list is not among them: it is enforced from the header before any
 * signature work, where RFC 8725 §3.1 wants it (see {@code SignatureVerifier}).
 *
 * <p>Stateless; the validators it builds are immutable and thread-safe.
 */
public final class ClaimValidators {

    private ClaimValidators() {
    }

    /** The checks {@link TokenValidator} runs for {@code policy}, reading time from {@code clock}. */
    public static ClaimValidator createDefault(IssuerPolicy policy, Clock clock) {
        List<ClaimValidator> checks = new ArrayList<>(List.of(
                new ExpirationValidator(clock, policy.clockSkew()),
                new IssuedAtValidator(clock, policy.clockSkew()),
                new LifetimeValidator(policy.maxLifetime(), clock, policy.clockSkew()),
                new IssuerValidator(policy.issuer()),
                new AudienceValidator(policy.audiences())));
        if (!policy.requiredClaims().isEmpty()) {
            checks.add(new RequiredClaimsValidator(policy.requiredClaims()));
        }
        if (policy.type() != null) {
            checks.add(new TypeValidator(policy.type()));
        }
        return new DelegatingClaimValidator(checks);
    }
}
