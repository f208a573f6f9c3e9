package io.tokenwatch.filter.core;

import java.util.List;
import java.util.Objects;

/**
 * What the filter core needs to know about one HTTP request; adapters (Micronaut, the gateway)
 * build it from their own request types. Immutable.
 *
 * @param method         HTTP method
 * @param route          the matched route template (e.g. {@code /accounts/{id}}), not the raw path
 * @param authorization  every {@code Authorization} header value present (usually zero or one)
 * @param clientIp       the client address as resolved through trusted proxies
 * @param userAgent      {@code User-Agent}, or null
 * @param deviceId       device id the service supplies, or null
 */
public record FilterRequest(String method, String route, List<String> authorization, String clientIp,
                            String userAgent, String deviceId) {

    public FilterRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(route, "route");
        authorization = authorization == null ? List.of() : List.copyOf(authorization);
        Objects.requireNonNull(clientIp, "clientIp");
        // Adapters must resolve the client to an address; a name or "unknown" is their bug, not the client's.
        io.tokenwatch.schemas.Keys.requireIpOrCidr(clientIp);
        if (clientIp.indexOf('/') >= 0) {
            throw new IllegalArgumentException("client IP must be an address, not a CIDR: " + clientIp);
        }
    }

    /** A request with one {@code Authorization: Bearer <token>} header. */
    public static FilterRequest bearer(String method, String route, String token, String clientIp) {
        return new FilterRequest(method, route, List.of("Bearer " + token), clientIp, null, null);
    }
}
