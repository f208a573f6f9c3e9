package io.tokenwatch.filter.micronaut;

import io.tokenwatch.filter.ratelimit.RateLimitPolicy;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code tokenwatch.filter.rate-limit.rules}: one rule per list element, in order (the first
 * matching rule wins, so specific rules go first and a catch-all {@code /**} last):
 *
 * <pre>
 * &lt;id&gt; &lt;route pattern&gt; &lt;per-subject&gt; &lt;per-ip&gt;
 * login /oauth/** 30/1m 5/1m
 * api   /api/**   100/1m 20/1m
 * any   /**       300/1m -
 * </pre>
 *
 * A limit is {@code <capacity>/<window>} with the window in whole seconds, minutes or hours
 * ({@code 10/s}, {@code 100/1m}, {@code 1000/2h}); {@code -} means no limit for that scope. A list
 * rather than named sub-properties, because order matters and property maps have none; each element
 * contains no comma, so the list can also come from one environment variable.
 *
 * <p>Stateless and thread-safe.
 */
public final class RateLimitRules {

    private static final Pattern LIMIT = Pattern.compile("(\\d{1,12})/(\\d{0,6})([smh])");

    private RateLimitRules() {
    }

    /** The policy of these rules; empty input gives {@link RateLimitPolicy#unlimited()}. */
    public static RateLimitPolicy parse(List<String> rules) {
        RateLimitPolicy.Builder builder = RateLimitPolicy.builder();
        for (String rule : rules) {
            String[] fields = rule.strip().split("\\s+");
            if (fields.length != 4) {
                throw new IllegalArgumentException("rate-limit rule '" + rule
                        + "' must be '<id> <pattern> <per-subject> <per-ip>', e.g. 'api /api/** 100/1m 20/1m'");
            }
            try {
                builder.route(fields[0], fields[1], limit(fields[2]), limit(fields[3]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("rate-limit rule '" + rule + "': " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    /** {@code 100/1m} → 100 per minute; {@code -} → null (no limit). */
    static Limit limit(String text) {
        if (text.equals("-")) {
            return null;
        }
        Matcher m = LIMIT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("limit '" + text + "' is not <capacity>/<window>, e.g. 100/1m, or -");
        }
        long amount = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        Duration window = switch (m.group(3)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        return Limit.of(Long.parseLong(m.group(1)), window);
    }
}
