package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Revocation;
import picocli.CommandLine.Option;

/**
 * What a {@code revoke} or {@code lift} applies to: one token ({@code --jti} with {@code --iss}),
 * every token of a subject ({@code --sub} with {@code --iss}), or a client address ({@code --ip}).
 * Exactly one of {@code --jti}, {@code --sub}, {@code --ip}.
 */
final class ScopeOptions {

    @Option(names = "--jti", paramLabel = "JTI", description = "One token, by its jti (with --iss).")
    String jti;

    @Option(names = "--sub", paramLabel = "SUBJECT", description = "Every token of a subject issued until now (with --iss).")
    String subject;

    @Option(names = "--ip", paramLabel = "ADDRESS", description = "A client IP address.")
    String ip;

    @Option(names = "--iss", paramLabel = "ISSUER", description = "The token issuer (with --jti or --sub).")
    String issuer;

    Revocation.Scope scope() {
        int given = (jti != null ? 1 : 0) + (subject != null ? 1 : 0) + (ip != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of --jti, --sub, --ip");
        }
        if (jti != null) {
            return Revocation.Scope.JTI;
        }
        return subject != null ? Revocation.Scope.SUBJECT : Revocation.Scope.IP;
    }

    String value() {
        return switch (scope()) {
            case JTI -> jti;
            case SUBJECT -> subject;
            case IP -> ip;
        };
    }

    /** Checks the combination and returns the canonical key it addresses. */
    String key() {
        Revocation.Scope scope = scope();
        if (scope != Revocation.Scope.IP && (issuer == null || issuer.isBlank())) {
            throw new IllegalArgumentException("--" + (scope == Revocation.Scope.JTI ? "jti" : "sub")
                    + " needs --iss");
        }
        if (scope == Revocation.Scope.IP && issuer != null) {
            throw new IllegalArgumentException("--ip takes no --iss");
        }
        return switch (scope) {
            case JTI -> Keys.jti(issuer, jti);
            case SUBJECT -> Keys.subjectScope(issuer, subject);
            case IP -> Keys.ip(ip);
        };
    }
}
