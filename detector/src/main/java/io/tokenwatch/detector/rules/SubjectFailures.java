package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Outcome;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Value of the failure-burst store: the distinct tokens of one verified subject refused within the
 * window, and how many refused requests carried them. Counting tokens, not requests, tells a stash of
 * stolen old tokens (many tokens, each tried once or twice) from a client stuck retrying one expired
 * token (one token, hundreds of requests). Immutable.
 *
 * @param tokens   the refused tokens (by {@code iss|jti}, or fingerprint when there is no {@code jti})
 * @param since    the first refusal of the current run (the run ends when the window empties)
 * @param requests refused requests in the current run
 * @param outcomes refused requests of the current run by outcome wire name, e.g. {@code expired}
 */
public record SubjectFailures(DistinctSightings tokens, long since, long requests, Map<String, Long> outcomes) {

    public SubjectFailures {
        tokens = tokens == null ? DistinctSightings.none() : tokens;
        outcomes = outcomes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(outcomes));
    }

    static SubjectFailures none() {
        return new SubjectFailures(DistinctSightings.none(), 0, 0, Map.of());
    }

    /** Adds one refusal of the token {@code tokenId} at {@code time}; a new run starts when the window was empty. */
    SubjectFailures withRefusal(long tokenId, long time, Outcome outcome, long windowMillis, int cap) {
        boolean newRun = tokens.countWithin(time, windowMillis) == 0;
        Map<String, Long> byOutcome = new LinkedHashMap<>(newRun ? Map.of() : outcomes);
        byOutcome.merge(outcome.wire(), 1L, Long::sum);
        return new SubjectFailures(tokens.with(tokenId, time, windowMillis, cap), newRun ? time : Math.min(since, time),
                newRun ? 1 : requests + 1, byOutcome);
    }

    /** Distinct refused tokens within the window ending at {@code time}. */
    int tokensWithin(long time, long windowMillis) {
        return tokens.countWithin(time, windowMillis);
    }
}
