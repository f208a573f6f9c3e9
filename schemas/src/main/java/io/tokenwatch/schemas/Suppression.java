package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Objects;

/**
 * An operator's suppression on the compacted topic {@code tokenwatch.suppressions}: findings of
 * {@link #rule()} about the subject {@link #subject()} of {@link #issuer()} are counted but neither
 * alerted nor contained until {@link #expiresAt()}. The record key is {@link #key()}; a {@code null}
 * value under that key (a tombstone) lifts the suppression.
 *
 * <p>{@link #ANY} in {@code rule} covers every rule, in {@code issuer} every issuer; the subject is
 * always named, so no record can silence a rule for everyone. Times are epoch milliseconds.
 * Immutable; the compact constructor enforces what the JSON Schema file demands.
 *
 * @param schemaVersion version of this contract, {@link #SCHEMA_VERSION}
 * @param rule          the rule's name, e.g. {@code impossible_travel}, or {@code *}
 * @param issuer        the subject's issuer, or {@code *}
 * @param subject       the {@code sub} claim
 * @param expiresAt     after this instant the suppression no longer applies
 * @param reason        why, for people
 * @param source        who suppressed it, e.g. {@code operator:alice}
 * @param createdAt     when it was made
 */
public record Suppression(int schemaVersion, String rule, String issuer, String subject, long expiresAt,
                          String reason, String source, long createdAt) {

    public static final int SCHEMA_VERSION = 1;
    /** Wildcard for {@code rule} or {@code issuer}. */
    public static final String ANY = "*";

    public Suppression {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schema_version must be >= 1, was " + schemaVersion);
        }
        Keys.requireText(rule, "rule");
        Keys.requireText(issuer, "issuer");
        Keys.requireText(subject, "subject");
        Keys.requireText(reason, "reason");
        Keys.requireText(source, "source");
        if (rule.indexOf('|') >= 0) {
            // The key's first separator must end the rule, or two records could share one key.
            throw new IllegalArgumentException("rule must not contain '|'");
        }
        if (expiresAt <= createdAt) {
            throw new IllegalArgumentException("expires_at must be after created_at");
        }
    }

    /** The key this suppression is published under: {@code rule|iss|sub}. */
    public String key() {
        return Keys.suppression(rule, issuer, subject);
    }

    /** True once {@code expiresAt} has passed. */
    @JsonIgnore
    public boolean isVoidAt(long nowMillis) {
        return nowMillis >= expiresAt;
    }
}
