package io.tokenwatch.filter.ratelimit;

import java.util.Map;
import java.util.Objects;

/**
 * The answer of one bucket for one request: admitted or not, and what the client may be told about
 * its quota. The result-type counterpart of Bucket4j's {@code ConsumptionProbe}. Immutable.
 *
 * <p>Header values follow draft-ietf-httpapi-ratelimit-headers (draft 09/10, Structured Field lists
 * of quoted policy names with parameters):
 * <ul>
 *   <li>{@code RateLimit-Policy: "api-subject";q=100;w=60}: quota {@code q} per window {@code w} seconds</li>
 *   <li>{@code RateLimit: "api-subject";r=42;t=17}: {@code r} requests remain, the quota is full again
 *       in {@code t} seconds</li>
 *   <li>{@code Retry-After: 1} (RFC 9110 §10.2.3, delay-seconds) on refusals: when one more request
 *       would be admitted</li>
 * </ul>
 * No partition key ({@code pk}) is sent: it would echo the subject or address the bucket is keyed by.
 *
 * @param allowed           true if the request was admitted (a token was taken)
 * @param remaining         tokens left after this request
 * @param resetSeconds      seconds until the bucket is full again, rounded up
 * @param retryAfterSeconds seconds until one more request is admitted, rounded up; 0 when allowed
 * @param policyName        the name clients see, e.g. {@code api-subject}
 * @param quota             the bucket capacity now in force (lower while throttled)
 * @param windowSeconds     the refill window
 */
public record RateLimitDecision(boolean allowed, long remaining, long resetSeconds, long retryAfterSeconds,
                                String policyName, long quota, long windowSeconds) {

    public static final String RATE_LIMIT_POLICY = "RateLimit-Policy";
    public static final String RATE_LIMIT = "RateLimit";
    public static final String RETRY_AFTER = "Retry-After";

    public RateLimitDecision {
        Objects.requireNonNull(policyName, "policyName");
        if (remaining < 0 || resetSeconds < 0 || retryAfterSeconds < 0 || quota < 1 || windowSeconds < 1) {
            throw new IllegalArgumentException("negative or empty rate-limit figures");
        }
        if (!allowed && retryAfterSeconds < 1) {
            throw new IllegalArgumentException("a refusal must say when to retry");
        }
    }

    /** The {@code RateLimit-Policy} field value. */
    public String policyHeaderValue() {
        return "\"" + policyName + "\";q=" + quota + ";w=" + windowSeconds;
    }

    /** The {@code RateLimit} field value. */
    public String rateLimitHeaderValue() {
        return "\"" + policyName + "\";r=" + remaining + ";t=" + resetSeconds;
    }

    /** {@code RateLimit-Policy} and {@code RateLimit}, plus {@code Retry-After} when refused. Unmodifiable. */
    public Map<String, String> headers() {
        if (allowed) {
            return Map.of(RATE_LIMIT_POLICY, policyHeaderValue(), RATE_LIMIT, rateLimitHeaderValue());
        }
        return Map.of(RETRY_AFTER, Long.toString(retryAfterSeconds), RATE_LIMIT_POLICY, policyHeaderValue(),
                RATE_LIMIT, rateLimitHeaderValue());
    }
}
