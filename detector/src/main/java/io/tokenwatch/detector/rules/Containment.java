package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the {@link ResponsePolicy} actions of a finding about one request into revocations, with the
 * lifetimes of {@link UserProfileRules} (throttle ttl, subject revocation ttl, clock skew, fallback
 * token ttl), for the rules that keep no profile of their own (anomalous token, failure burst).
 *
 * <p>Only a request whose token verified and names a subject can be contained: for any other, the
 * subject and {@code jti} are the sender's words, and acting on them would let anyone lock a victim
 * out (DESIGN.md §4), so {@link #revocations} returns nothing for it whatever the policy says.
 * Immutable and thread-safe.
 */
final class Containment {

    private final UserProfileRules lifetimes;

    Containment(UserProfileRules lifetimes) {
        this.lifetimes = Objects.requireNonNull(lifetimes, "lifetimes");
    }

    /** The revocations {@code actions} call for about {@code event}'s subject and token, issued by {@code rule}. */
    List<Revocation> revocations(Set<ResponseAction> actions, String rule, TokenUsageEvent event, Incident incident,
                                 long now) {
        if (!event.hasVerifiedSubject()) {
            return List.of();
        }
        TokenUsageEvent.TokenFacts token = event.token();
        List<Revocation> out = new ArrayList<>();
        if (actions.contains(ResponseAction.THROTTLE_SUBJECT)) {
            out.add(new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, token.iss(), token.sub(),
                    Revocation.Action.THROTTLE, now, now + lifetimes.throttleTtl().toMillis(), rule, incident.uid(),
                    now));
        }
        if (actions.contains(ResponseAction.REVOKE_TOKEN) && token.jti() != null) {
            Long exp = token.expiresAt();
            long until = exp == null ? now + lifetimes.fallbackTokenTtl().toMillis()
                    : exp + lifetimes.maxClockSkew().toMillis();
            out.add(Revocation.blockToken(token.iss(), token.jti(), Math.max(until, now + 1), rule, incident.uid(),
                    now));
        }
        if (actions.contains(ResponseAction.REVOKE_SUBJECT)) {
            // RFC 8417 / CAEP session-revoked: every token of the subject issued at or before now.
            out.add(new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, token.iss(), token.sub(),
                    Revocation.Action.BLOCK, now, now + lifetimes.subjectRevocationTtl().toMillis(), rule,
                    incident.uid(), now));
        }
        return out;
    }
}
