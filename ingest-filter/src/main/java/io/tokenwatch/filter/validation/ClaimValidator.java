package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.List;

/**
 * One check of a token whose signature already verified. Implementations are small, final,
 * stateless and thread-safe; {@link DelegatingClaimValidator} composes them and
 * {@link ClaimValidators#createDefault} assembles the standard set.
 */
@FunctionalInterface
public interface ClaimValidator {

    /** Checks a token whose signature already verified. */
    Result validate(VerifiedJwt jwt);

    /**
     * The outcome of one or more checks.
     *
     * @param failures every failed check, in order; empty means success
     */
    record Result(List<Failure> failures) {

        private static final Result SUCCESS = new Result(List.of());

        public Result {
            failures = List.copyOf(failures);
        }

        public static Result success() {
            return SUCCESS;
        }

        public static Result failure(Outcome reason, String detail) {
            return new Result(List.of(new Failure(reason, detail)));
        }

        public boolean isSuccess() {
            return failures.isEmpty();
        }
    }

    /**
     * One failed check.
     *
     * @param reason the stable rejection reason
     * @param detail diagnostic text for debug logs
     */
    record Failure(Outcome reason, String detail) {
    }
}
