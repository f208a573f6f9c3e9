package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Objects;

/**
 * A revocation command on the compacted topic {@code tokenwatch.revocations}. The record key is
 * {@link #key()}; a {@code null} value under that key (a tombstone) lifts the revocation.
 *
 * <p>It maps one-to-one onto a Security Event Token (RFC 8417) carrying a CAEP
 * {@code session-revoked} event whose subject is an SSF {@code jwt_id} (scope {@code jti}) or
 * {@code iss_sub} (scope {@code subject}). Times are epoch milliseconds. Immutable.
 *
 * @param schemaVersion version of this contract, {@link #SCHEMA_VERSION}
 * @param scope         what is revoked
 * @param issuer        the token issuer ({@code jti} and {@code subject} scopes)
 * @param value         the {@code jti}, the {@code sub}, or the IP address or CIDR
 * @param action        what filters do with matching requests
 * @param notBefore     subject scope: tokens issued at or before this instant are rejected
 * @param expiresAt     after this instant the entry is void and may be tombstoned
 * @param reason        why, for people (a rule name or an operator's words)
 * @param source        the alert id or the operator that caused it
 * @param createdAt     when it was issued
 */
public record Revocation(
        int schemaVersion,
        Scope scope,
        String issuer,
        String value,
        Action action,
        Long notBefore,
        long expiresAt,
        String reason,
        String source,
        long createdAt) {

    public static final int SCHEMA_VERSION = 1;

    public Revocation {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schema_version must be >= 1, was " + schemaVersion);
        }
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(action, "action");
        Keys.requireText(value, "value");
        Keys.requireText(reason, "reason");
        Keys.requireText(source, "source");
        switch (scope) {
            case JTI -> Keys.requireText(issuer, "issuer");
            case SUBJECT -> {
                Keys.requireText(issuer, "issuer");
                Objects.requireNonNull(notBefore, "not_before is required for subject scope");
            }
            case IP -> Keys.requireIpOrCidr(value);
        }
        if (expiresAt <= createdAt) {
            throw new IllegalArgumentException("expires_at must be after created_at");
        }
    }

    /** A block of one token until it expires. */
    public static Revocation blockToken(String issuer, String jti, long expiresAt, String reason,
                                        String source, long now) {
        return new Revocation(SCHEMA_VERSION, Scope.JTI, issuer, jti, Action.BLOCK, null, expiresAt,
                reason, source, now);
    }

    /** The canonical scope key this revocation is published under (DESIGN.md §3). */
    public String key() {
        return switch (scope) {
            case JTI -> Keys.jti(issuer, value);
            case SUBJECT -> Keys.subjectScope(issuer, value);
            case IP -> Keys.ip(value);
        };
    }

    /** True once {@code expiresAt} has passed: the entry no longer applies. */
    @JsonIgnore
    public boolean isVoidAt(long nowMillis) {
        return nowMillis >= expiresAt;
    }

    /** What a revocation covers. */
    public enum Scope {
        JTI, SUBJECT, IP;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Scope fromWire(String wire) {
            return parse(Scope.class, wire);
        }
    }

    /** What a filter does with a request the revocation matches. */
    public enum Action {
        BLOCK, THROTTLE, STEP_UP;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Action fromWire(String wire) {
            return parse(Action.class, wire);
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String wire) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(wire)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + type.getSimpleName().toLowerCase(Locale.ROOT) + ": " + wire);
    }
}
