package io.tokenwatch.detector.control;

import io.tokenwatch.schemas.Keys;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Service accounts and issuers an operator vouches for, each for some rules: findings of those rules
 * about a matching verified subject are observed (counted, not alerted, not contained).
 *
 * <p>An entry is written {@code PATTERN[=RULES]}:
 * <ul>
 *   <li>a subject pattern is the subject key {@code iss|sub}, matched exactly, or ending in {@code *}
 *       to match every subject key that starts with what comes before it
 *       ({@code https://idp.example.com|svc-*});</li>
 *   <li>an issuer pattern is the issuer exactly ({@code https://ci.example.com});</li>
 *   <li>{@code RULES} is a comma-separated list of rule names or {@code behaviour}; without it the
 *       entry covers {@link RuleSets#BEHAVIOUR}. The last {@code =} separates them, so a pattern that
 *       itself contains {@code =} must be followed by {@code =RULES}.</li>
 * </ul>
 * Rules in {@link RuleSets#UNVERIFIED_SIGNAL} are refused: the subject they report is the sender's claim.
 *
 * <p>Immutable and thread-safe.
 */
public final class SubjectAllowList {

    /** One entry: a subject-key pattern or an issuer, and the rules it silences. */
    public record Entry(String pattern, boolean prefix, boolean issuer, Set<String> rules) {
        public Entry {
            Objects.requireNonNull(pattern, "pattern");
            rules = Collections.unmodifiableSet(new LinkedHashSet<>(rules));
        }

        boolean matches(String subjectKey, String iss) {
            if (issuer) {
                return pattern.equals(iss);
            }
            return prefix ? subjectKey.startsWith(pattern) : subjectKey.equals(pattern);
        }

        /** As an operator would write it again. */
        String written() {
            return pattern + (prefix ? "*" : "") + "=" + String.join(",", rules);
        }
    }

    private final List<Entry> entries;

    private SubjectAllowList(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static SubjectAllowList none() {
        return new SubjectAllowList(List.of());
    }

    /** Parses service-account entries ({@code iss|sub[*][=RULES]}) and issuer entries ({@code iss[=RULES]}). */
    public static SubjectAllowList of(List<String> subjects, List<String> issuers) {
        List<Entry> entries = new ArrayList<>();
        for (String s : subjects) {
            entries.add(parse(s, false));
        }
        for (String s : issuers) {
            entries.add(parse(s, true));
        }
        return new SubjectAllowList(entries);
    }

    public List<Entry> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The first entry that silences {@code rule} for the subject {@code iss|sub}, if any. */
    public java.util.Optional<Entry> matching(String rule, String iss, String sub) {
        if (iss == null || sub == null || RuleSets.UNVERIFIED_SIGNAL.contains(rule)) {
            return java.util.Optional.empty();
        }
        String key = Keys.subject(iss, sub);
        for (Entry entry : entries) {
            if (entry.rules().contains(rule) && entry.matches(key, iss)) {
                return java.util.Optional.of(entry);
            }
        }
        return java.util.Optional.empty();
    }

    private static Entry parse(String raw, boolean issuer) {
        String what = issuer ? "allow-listed issuer" : "allow-listed subject";
        String text = Objects.requireNonNull(raw, what).trim();
        int eq = text.lastIndexOf('=');
        String pattern = eq < 0 ? text : text.substring(0, eq).trim();
        Set<String> rules = eq < 0 ? RuleSets.BEHAVIOUR : rules(text.substring(eq + 1), what + " '" + text + "'");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException(what + " '" + text + "': the pattern is empty");
        }
        boolean prefix = false;
        if (!issuer) {
            prefix = pattern.endsWith("*");
            String literal = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
            int bar = literal.indexOf('|');
            if (bar <= 0 || (!prefix && bar == literal.length() - 1)) {
                throw new IllegalArgumentException(what + " '" + text
                        + "': write the subject key iss|sub, e.g. https://idp.example.com|svc-backup, "
                        + "or a prefix of it ending in *");
            }
            pattern = literal;
        } else if (pattern.indexOf('*') >= 0) {
            throw new IllegalArgumentException(what + " '" + text + "': issuers are matched exactly, without *");
        }
        return new Entry(pattern, prefix, issuer, rules);
    }

    private static Set<String> rules(String list, String where) {
        Set<String> rules = new LinkedHashSet<>();
        for (String part : list.split(",")) {
            String rule = part.trim();
            if (rule.isEmpty()) {
                continue;
            }
            if (rule.equals(RuleSets.BEHAVIOUR_GROUP)) {
                rules.addAll(RuleSets.BEHAVIOUR);
                continue;
            }
            RuleSets.requireKnown(rule, where);
            if (RuleSets.UNVERIFIED_SIGNAL.contains(rule)) {
                throw new IllegalArgumentException(where + ": rule '" + rule + "' counts tokens that did not "
                        + "verify, so the subject it reports is the sender's claim and cannot be allow-listed");
            }
            rules.add(rule);
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException(where + ": no rules after '='");
        }
        return rules;
    }
}
