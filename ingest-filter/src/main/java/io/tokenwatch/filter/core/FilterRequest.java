package io.tokenwatch.filter.core;

import io.tokenwatch.filter.geo.RequestHeaders;

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
 * @param peerTrusted    true if the socket peer is a configured trusted proxy, so geo headers it sets are
 *                       believed ({@link io.tokenwatch.filter.geo.CdnHeaderGeoResolver})
 * @param headers        the request's headers, for the geo resolver; {@link RequestHeaders#NONE} if not given
 */
public record FilterRequest(String method, String route, List<String> authorization, String clientIp,
                            String userAgent, String deviceId, boolean secure, boolean peerTrusted,
                            RequestHeaders headers) {

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
        headers = headers == null ? RequestHeaders.NONE : headers;
    }

    /** A request whose headers the filter does not read beyond those given, from an untrusted peer. */
    public FilterRequest(String method, String route, List<String> authorization, String clientIp,
                         String userAgent, String deviceId, boolean secure) {
        this(method, route, authorization, clientIp, userAgent, deviceId, secure, false, RequestHeaders.NONE);
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
        return new FilterRequest(method, route, authorization, clientIp, userAgent, deviceId, isSecure, peerTrusted,
                headers);
    }

    /** This request with its headers, from a socket peer that is a trusted proxy or not. */
    public FilterRequest withHeaders(RequestHeaders requestHeaders, boolean fromTrustedPeer) {
        return new FilterRequest(method, route, authorization, clientIp, userAgent, deviceId, secure, fromTrustedPeer,
                requestHeaders);
    }
}
