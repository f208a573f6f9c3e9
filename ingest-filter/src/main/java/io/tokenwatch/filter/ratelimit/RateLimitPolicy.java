package io.tokenwatch.filter.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which limits apply to which routes: an ordered list of route rules, each a {@link RoutePattern}
 * with a limit per verified subject and a limit per client IP (the IP limit covers requests that
 * carry no verified subject: no token, malformed credentials, invalid or revoked tokens).
 *
 * <pre>{@code
 * RateLimitPolicy.builder()
 *         .route("login", "/oauth/**", Limit.perMinute(30), Limit.perMinute(5))
 *         .route("api", "/api/**", Limit.perMinute(100), Limit.perMinute(20))
 *         .route("default", "/**", Limit.perMinute(300), Limit.perMinute(60))
 *         .build();
 * }</pre>
 *
 * <p>The first rule whose pattern matches the route template wins, as in Spring Security's request
 * matchers: put specific rules first and a catch-all {@code /**} last. A route no rule matches is not
 * limited; a rule without a limit for one scope does not limit that scope.
 *
 * <p>Immutable and thread-safe. Route lookups are memoized in a small bounded cache: route templates
 * are few, and a misbehaving adapter passing raw paths costs only cache churn, not memory.
 */
public final class RateLimitPolicy {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int NO_RULE = -1;

    private final List<Rule> rules;
    /** {@link #ruleFor}'s answers, one per rule, made once rather than per request. */
    private final List<Optional<Rule>> answers;
    private final Cache<String, Integer> ruleIndexByRoute = Caffeine.newBuilder().maximumSize(4096).build();

    private RateLimitPolicy(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.answers = this.rules.stream().map(Optional::of).toList();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A policy without rules: nothing is limited. */
    public static RateLimitPolicy unlimited() {
        return new RateLimitPolicy(List.of());
    }

    /** The rule for {@code route}, or empty if no rule matches it. */
    public Optional<Rule> ruleFor(String route) {
        if (rules.isEmpty() || route == null) {
            return Optional.empty();
        }
        Integer known = ruleIndexByRoute.getIfPresent(route);
        int index = known != null ? known : ruleIndexByRoute.get(route, this::firstMatch);
        return index == NO_RULE ? Optional.empty() : answers.get(index);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The longest window of any limit: how long an idle bucket needs to refill completely. */
    public Duration longestWindow() {
        Duration longest = Duration.ZERO;
        for (Rule rule : rules) {
            for (Optional<Limit> limit : List.of(rule.perSubject(), rule.perIp())) {
                if (limit.isPresent() && limit.get().window().compareTo(longest) > 0) {
                    longest = limit.get().window();
                }
            }
        }
        return longest;
    }

    private int firstMatch(String route) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).pattern().matches(route)) {
                return i;
            }
        }
        return NO_RULE;
    }

    /** Which bucket family a request draws from. */
    public enum Scope {
        /** A verified subject ({@code iss|sub}). */
        SUBJECT,
        /** A client address, for requests without a verified subject. */
        IP
    }

    /**
     * One route rule.
     *
     * @param id         names the rule in bucket keys and, with the scope, in {@code RateLimit-Policy}
     *                   ({@code "<id>-subject"}, {@code "<id>-ip"}); letters, digits, {@code . _ -}
     * @param pattern    the routes it covers
     * @param perSubject the limit per verified subject, or empty for none
     * @param perIp      the limit per client IP for requests without a verified subject, or empty for none
     */
    public record Rule(String id, RoutePattern pattern, Optional<Limit> perSubject, Optional<Limit> perIp) {

        public Rule {
            Objects.requireNonNull(id, "id");
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("rule id must be 1-64 of [A-Za-z0-9._-]: " + id);
            }
            Objects.requireNonNull(pattern, "pattern");
            perSubject = perSubject == null ? Optional.empty() : perSubject;
            perIp = perIp == null ? Optional.empty() : perIp;
        }

        /** The limit for {@code scope}, if this rule has one. */
        public Optional<Limit> limit(Scope scope) {
            return scope == Scope.SUBJECT ? perSubject : perIp;
        }

        /** The policy name advertised in {@code RateLimit-Policy} and {@code RateLimit} for {@code scope}. */
        public String policyName(Scope scope) {
            return id + (scope == Scope.SUBJECT ? "-subject" : "-ip");
        }
    }

    /**
     * A token bucket: up to {@code capacity} requests at once, refilled greedily at
     * {@code capacity} per {@code window} (so {@code perMinute(100)} allows a burst of 100 and then
     * one request every 0.6 s).
     *
     * @param capacity requests per window, at least 1
     * @param window   whole seconds, at least 1 (the {@code w} parameter of {@code RateLimit-Policy} is seconds)
     */
    public record Limit(long capacity, Duration window) {

        public Limit {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
            }
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.getNano() != 0) {
                throw new IllegalArgumentException("window must be a whole number of seconds >= 1: " + window);
            }
        }

        public static Limit of(long capacity, Duration window) {
            return new Limit(capacity, window);
        }

        public static Limit perSecond(long capacity) {
            return new Limit(capacity, Duration.ofSeconds(1));
        }

        public static Limit perMinute(long capacity) {
            return new Limit(capacity, Duration.ofMinutes(1));
        }

        public static Limit perHour(long capacity) {
            return new Limit(capacity, Duration.ofHours(1));
        }

        /**
         * This limit scaled by {@code factor} (0 < factor <= 1), never below one request per window:
         * what a throttled scope gets.
         */
        public Limit scaled(double factor) {
            if (!(factor > 0 && factor <= 1)) {
                throw new IllegalArgumentException("factor must be in (0, 1], was " + factor);
            }
            return new Limit(Math.max(1, (long) Math.floor(capacity * factor)), window);
        }
    }

    /** Collects rules in order. Not thread-safe. */
    public static final class Builder {

        private final List<Rule> rules = new ArrayList<>();
        private final Set<String> ids = new HashSet<>();

        private Builder() {
        }

        /**
         * Adds a rule after those already added.
         *
         * @param perSubject the limit per verified subject, or null for none
         * @param perIp      the limit per client IP for requests without a verified subject, or null for none
         */
        public Builder route(String id, String pattern, Limit perSubject, Limit perIp) {
            Rule rule = new Rule(id, RoutePattern.compile(pattern), Optional.ofNullable(perSubject),
                    Optional.ofNullable(perIp));
            if (!ids.add(id)) {
                // Buckets are keyed by rule id: two rules sharing one would share buckets.
                throw new IllegalArgumentException("duplicate rule id: " + id);
            }
            rules.add(rule);
            return this;
        }

        public RateLimitPolicy build() {
            return new RateLimitPolicy(rules);
        }
    }
}
