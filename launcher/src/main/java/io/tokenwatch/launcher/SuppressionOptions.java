package io.tokenwatch.launcher;

import io.tokenwatch.detector.control.RuleSets;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Suppression;
import picocli.CommandLine.Option;

/**
 * What a {@code suppress} or {@code unsuppress} applies to: findings of one rule ({@code --rule}, or
 * {@code *} for every rule) about one subject ({@code --sub}) of one issuer ({@code --iss}, or
 * {@code *} for any issuer). The subject is always named: no suppression silences a rule for everyone
 * (that is {@code tokenwatch detector --response RULE=observe}).
 */
final class SuppressionOptions {

    @Option(names = "--rule", required = true, paramLabel = "RULE",
            description = "The rule, e.g. impossible_travel, or '*' for every rule.")
    String rule;

    @Option(names = "--iss", required = true, paramLabel = "ISSUER",
            description = "The subject's issuer, or '*' for any issuer.")
    String issuer;

    @Option(names = "--sub", required = true, paramLabel = "SUBJECT", description = "The subject (sub claim).")
    String subject;

    /** Checks the rule name and returns the key {@code rule|iss|sub}. */
    String key() {
        if (!Suppression.ANY.equals(rule) && !RuleSets.known().contains(rule)) {
            throw new IllegalArgumentException("unknown rule '" + rule + "' (known: " + String.join(", ",
                    RuleSets.known()) + ", or '*' for every rule)");
        }
        if (RuleSets.UNVERIFIED_SIGNAL.contains(rule)) {
            throw new IllegalArgumentException("rule '" + rule + "' counts tokens that did not verify: the subject "
                    + "they name is the sender's claim, so it cannot be suppressed by subject");
        }
        return Keys.suppression(rule, issuer, subject);
    }
}
