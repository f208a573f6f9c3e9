package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.BasicHttpAttributes;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import io.tokenwatch.filter.clientip.ClientIpResolver;
import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.headers.SecurityHeaders;
import io.tokenwatch.filter.revocation.RevocationListener;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The Micronaut adapter of the filter core: every request that is not on an excluded path goes
 * through {@link TokenFilter#check} before any controller (or the gateway's proxy) sees it.
 *
 * <ul>
 *   <li>Route: the matched route's URI template ({@code /accounts/{id}}), which Micronaut resolves
 *       before filters run; without a route (an unknown path, or the gateway), the first
 *       {@code tokenwatch.filter.route-templates} entry that matches, else the raw path.</li>
 *   <li>Client IP: the socket peer, or, only when the peer is a trusted proxy, what
 *       {@link ClientIpResolver} reads from {@code X-Forwarded-For} (DESIGN.md §4).</li>
 *   <li>Geo: the core's resolver, if one is configured, gets the request headers and whether the peer
 *       is a trusted proxy, so CDN geo headers count only from trusted proxies.</li>
 *   <li>Refused: the decision's status and headers with a small generic JSON body
 *       ({@code {"error":"unauthorized"}}); the precise reason goes to telemetry only.</li>
 *   <li>Accepted: the verified claims go into the request attribute {@link VerifiedClaims#ATTRIBUTE},
 *       and the decision's {@link FilterDecision#responseHeaders()} (security headers, rate-limit fields)
 *       are set on whatever response comes back, errors and 404s included.</li>
 *   <li>Not ready ({@code require-ready}, the default): 503 with {@code Retry-After} and the security
 *       headers until the revocation view has caught up, because a filter that has not read the
 *       revocations would accept revoked tokens. No usage event is emitted for these.</li>
 * </ul>
 *
 * <p>Runs in the {@link ServerFilterPhase#SECURITY} phase. Thread-safe: holds no per-request state.
 */
@Filter(Filter.MATCH_ALL_PATTERN)
@Requires(beans = TokenFilter.class)
public final class TokenwatchServerFilter implements HttpServerFilter {

    /** Request attribute holding the {@link FilterDecision} of an accepted request. */
    public static final String DECISION_ATTRIBUTE = "tokenwatch.decision";
    /** Request attribute holding the client address as resolved through trusted proxies. */
    public static final String CLIENT_IP_ATTRIBUTE = "tokenwatch.client-ip";

    private static final Logger LOG = LoggerFactory.getLogger(TokenwatchServerFilter.class);
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";

    private final TokenFilter filter;
    private final RevocationListener revocations;
    private final ClientIpResolver clientIps;
    private final SecurityHeaders securityHeaders;
    private final PathRules paths;
    private final TokenwatchMetrics metrics;
    private final boolean requireReady;
    private final String deviceIdHeader;

    public TokenwatchServerFilter(TokenFilter filter, RevocationListener revocations, ClientIpResolver clientIps,
                                  SecurityHeaders securityHeaders, PathRules paths,
                                  TokenwatchFilterConfiguration config, @Nullable TokenwatchMetrics metrics) {
        this.filter = filter;
        this.revocations = revocations;
        this.clientIps = clientIps;
        this.securityHeaders = securityHeaders;
        this.paths = paths;
        this.metrics = metrics;
        this.requireReady = config.isRequireReady();
        String device = config.getDeviceIdHeader();
        this.deviceIdHeader = device == null || device.isBlank() ? null : device.strip();
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        String rawPath = rawPath(request);
        if (paths.matches(rawPath)) {
            return chain.proceed(request);
        }
        String route = BasicHttpAttributes.getUriTemplate(request).orElseGet(() -> paths.routeFor(rawPath));
        if (requireReady && !revocations.isReady()) {
            if (metrics != null) {
                metrics.recordNotReady();
            }
            return Publishers.just(notReady(route, request.isSecure()));
        }
        HttpHeaders headers = request.getHeaders();
        String clientIp;
        FilterDecision decision;
        long start = System.nanoTime();
        try {
            String peer = peerAddress(request);
            clientIp = clientIps.resolve(peer, headers.getAll(X_FORWARDED_FOR));
            decision = filter.check(new FilterRequest(request.getMethodName(), route,
                    headers.getAll(HttpHeaders.AUTHORIZATION), clientIp, headers.get(HttpHeaders.USER_AGENT),
                    deviceIdHeader == null ? null : headers.get(deviceIdHeader), request.isSecure(),
                    clientIps.isTrustedPeer(peer), headers::getAll));
        } catch (RuntimeException e) {
            // A bug, not a client error: fail closed, and still with the header policy. Never the token.
            LOG.error("tokenwatch filter failed on {} {}: {}", request.getMethodName(), route, e.toString());
            return Publishers.just(failure(route, request.isSecure()));
        }
        if (metrics != null) {
            metrics.record(decision.outcome(), System.nanoTime() - start);
        }
        if (!decision.accepted()) {
            return Publishers.just(refusal(decision));
        }
        decision.claims().ifPresent(claims -> request.setAttribute(VerifiedClaims.ATTRIBUTE, claims));
        request.setAttribute(DECISION_ATTRIBUTE, decision);
        request.setAttribute(CLIENT_IP_ATTRIBUTE, clientIp);
        Map<String, String> responseHeaders = decision.responseHeaders();
        return Publishers.map(chain.proceed(request), response -> {
            setAll(response.getHeaders(), responseHeaders);
            return response;
        });
    }

    /** The path exactly as sent, before any decoding, so exclusions see what the router will see. */
    public static String rawPath(HttpRequest<?> request) {
        String raw = request.getUri().getRawPath();
        return raw == null || raw.isEmpty() ? "/" : raw;
    }

    /** The socket peer's address literal; the resolver tolerates brackets and zone ids. */
    public static String peerAddress(HttpRequest<?> request) {
        InetSocketAddress remote = request.getRemoteAddress();
        InetAddress address = remote.getAddress();
        return address != null ? address.getHostAddress() : remote.getHostString();
    }

    private MutableHttpResponse<?> refusal(FilterDecision decision) {
        MutableHttpResponse<String> response = HttpResponse.<String>status(HttpStatus.valueOf(decision.status()))
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(errorBody(decision.status()));
        setAll(response.getHeaders(), decision.responseHeaders());
        return response;
    }

    private MutableHttpResponse<?> failure(String route, boolean secure) {
        MutableHttpResponse<String> response = HttpResponse.<String>status(HttpStatus.INTERNAL_SERVER_ERROR)
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(errorBody(500));
        setAll(response.getHeaders(), securityHeaders.headersFor(route, secure, false));
        return response;
    }

    private MutableHttpResponse<?> notReady(String route, boolean secure) {
        MutableHttpResponse<String> response = HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE)
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(errorBody(503));
        setAll(response.getHeaders(), securityHeaders.headersFor(route, secure, false));
        response.getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
        return response;
    }

    /** Generic text only: which check failed is for telemetry, never for the client. */
    public static String errorBody(int status) {
        String error = switch (status) {
            case 400 -> "invalid_request";
            case 401 -> "unauthorized";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 429 -> "rate_limited";
            case 500 -> "internal_error";
            case 502 -> "bad_gateway";
            case 504 -> "gateway_timeout";
            case 503 -> "not_ready";
            case 505 -> "http_version_not_supported";
            default -> "refused";
        };
        return "{\"error\":\"" + error + "\"}";
    }

    static void setAll(MutableHttpHeaders target, Map<String, String> values) {
        for (Map.Entry<String, String> header : values.entrySet()) {
            target.set(header.getKey(), header.getValue());
        }
    }
}
