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
 *                       ({@link io.tokenwatch.filter.clientip.ClientIpResolver})
 * @param userAgent      {@code User-Agent}, or null
 * @param deviceId       device id the service supplies, or null
 * @param secure         true if the client's connection is HTTPS (decides {@code Strict-Transport-Security})
 */
public record FilterRequest(String method, String route, List<String> authorization, String clientIp,
                            String userAgent, String deviceId, boolean secure) {

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

    /** A request over plain HTTP (or one whose transport the adapter does not know). */
    public FilterRequest(String method, String route, List<String> authorization, String clientIp,
                         String userAgent, String deviceId) {
        this(method, route, authorization, clientIp, userAgent, deviceId, false);
    }

    /** A request with one {@code Authorization: Bearer <token>} header. */
    public static FilterRequest bearer(String method, String route, String token, String clientIp) {
        return new FilterRequest(method, route, List.of("Bearer " + token), clientIp, null, null);
    }

    /** This request, marked as arriving over HTTPS or not. */
    public FilterRequest withSecure(boolean isSecure) {
        return new FilterRequest(method, route, authorization, clientIp, userAgent, deviceId, isSecure);
    }
}
