package io.tokenwatch.filter.gateway;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import io.tokenwatch.filter.clientip.ClientIpResolver;
import io.tokenwatch.filter.clientip.IpAddress;
import io.tokenwatch.filter.micronaut.PathRules;
import io.tokenwatch.filter.micronaut.TokenwatchServerFilter;
import io.tokenwatch.filter.micronaut.VerifiedClaims;
import io.tokenwatch.filter.validation.TokenClaims;
import jakarta.inject.Named;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The sidecar gateway: forwards every request that is not on a local path to
 * {@code tokenwatch.gateway.upstream}, after {@link TokenwatchServerFilter} (which runs earlier, in the
 * SECURITY phase) accepted it. A refused request is answered by that filter and never reaches this one,
 * so the upstream never sees it.
 *
 * <p>What crosses, and how:
 * <ul>
 *   <li>method, raw path (appended to the upstream's path) and raw query, unchanged;</li>
 *   <li>request headers minus the hop-by-hop ones ({@link HopByHopHeaders}) and minus every copy of the
 *       subject header the client sent; then the subject header set to the verified subject,
 *       {@code iss|sub} or {@code sub} ({@link GatewayConfiguration.SubjectFormat}), with bytes outside
 *       visible ASCII and {@code %} percent-encoded (UTF-8), so no claim can smuggle a header line;
 *       {@code Authorization} is passed on unless {@code forward-authorization} is off;</li>
 *   <li>{@code X-Forwarded-For}: the socket peer appended to the chain when the peer is a trusted
 *       proxy; otherwise the chain the client wrote is dropped and the peer is the whole chain.
 *       {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} are kept from trusted proxies and set
 *       from this connection otherwise; a client's {@code Forwarded} header is dropped unless the peer
 *       is trusted;</li>
 *   <li>{@code Host} is the upstream's;</li>
 *   <li>bodies are streamed both ways by Micronaut's {@link ProxyHttpClient}, never buffered here;</li>
 *   <li>the upstream's status and headers come back as they are, minus hop-by-hop headers; the filter
 *       then sets the security headers over them. Redirects are passed to the client, not followed.</li>
 * </ul>
 * An upstream that cannot be reached is answered with 502, one that does not answer in time with 504,
 * a request body that grows past {@code micronaut.server.max-request-size} while streamed with 413,
 * each with a generic JSON body. Versions, methods and declared body sizes are checked before this
 * filter runs, by {@link RequestLineGuard}.
 *
 * <p>With {@code tokenwatch.filter.enabled=false} there is no token filter in front of this one and every
 * request is forwarded unchecked ({@link UnfilteredGatewayFactory}); the forwarding itself is the same.
 *
 * <p>Thread-safe: holds no per-request state.
 */
@Filter(Filter.MATCH_ALL_PATTERN)
@Requires(property = GatewayConfiguration.PREFIX + ".upstream")
public final class GatewayProxyFilter implements HttpServerFilter {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayProxyFilter.class);

    private final ProxyHttpClient client;
    private final URI upstream;
    private final String upstreamPath;
    private final String subjectHeader;
    private final GatewayConfiguration.SubjectFormat subjectFormat;
    private final boolean forwardAuthorization;
    private final PathRules localPaths;
    private final ClientIpResolver clientIps;

    public GatewayProxyFilter(@Named(UpstreamClientFactory.NAME) ProxyHttpClient client, GatewayConfiguration config,
                              ClientIpResolver clientIps) {
        this.client = client;
        this.upstream = UpstreamClientFactory.upstream(config);
        String path = upstream.getRawPath() == null ? "" : upstream.getRawPath();
        this.upstreamPath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String header = config.getSubjectHeader();
        if (header == null || header.isBlank() || !header.strip().chars().allMatch(GatewayProxyFilter::isTokenChar)) {
            throw new IllegalArgumentException(GatewayConfiguration.PREFIX + ".subject-header is not a header name: "
                    + header);
        }
        this.subjectHeader = header.strip();
        this.subjectFormat = config.getSubjectFormat();
        this.forwardAuthorization = config.isForwardAuthorization();
        this.localPaths = new PathRules(config.getLocalPaths(), List.of());
        this.clientIps = clientIps;
    }

    @Override
    public int getOrder() {
        // After the token filter (SECURITY); this filter ends the chain for everything it forwards.
        return ServerFilterPhase.SECURITY.after();
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        String rawPath = TokenwatchServerFilter.rawPath(request);
        if (localPaths.matches(rawPath)) {
            return chain.proceed(request);
        }
        // Micronaut's mutable view shares the server request's headers: note what the client asked of
        // this connection before the hop-by-hop headers go, and answer it on the response.
        boolean closeAfterResponse = HopByHopHeaders.wantsClose(request.getHttpVersion(),
                request.getHeaders().getAll(HttpHeaders.CONNECTION));
        MutableHttpRequest<?> forward = request.mutate();
        forward.uri(target(rawPath, request.getUri().getRawQuery()));
        MutableHttpHeaders headers = forward.getHeaders();
        HopByHopHeaders.strip(headers);
        headers.remove(subjectHeader);
        if (!forwardAuthorization) {
            headers.remove(HttpHeaders.AUTHORIZATION);
        }
        VerifiedClaims.of(request).flatMap(this::subjectOf).ifPresent(subject -> headers.set(subjectHeader, subject));
        setForwardingHeaders(request, headers);
        Mono<MutableHttpResponse<?>> proxied = Mono.from(client.proxy(forward));
        Mono<MutableHttpResponse<?>> answered = proxied.map(response -> withoutHopByHop(response, closeAfterResponse));
        return answered.onErrorResume(e -> failed(request, e, closeAfterResponse));
    }

    private static MutableHttpResponse<?> withoutHopByHop(MutableHttpResponse<?> response, boolean close) {
        HopByHopHeaders.strip(response.getHeaders());
        return closing(response, close);
    }

    /** {@code Connection: close} makes the server close this connection after the response, as asked. */
    private static MutableHttpResponse<?> closing(MutableHttpResponse<?> response, boolean close) {
        if (close) {
            response.getHeaders().set(HttpHeaders.CONNECTION, "close");
        }
        return response;
    }

    private Mono<MutableHttpResponse<?>> failed(HttpRequest<?> request, Throwable error, boolean close) {
        return Mono.just(closing(upstreamFailure(request, error), close));
    }

    private URI target(String rawPath, String rawQuery) {
        String path = upstreamPath + rawPath;
        return URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority() + path
                + (rawQuery == null ? "" : "?" + rawQuery));
    }

    /** The verified subject as the upstream gets it, or empty for a token without {@code sub}. */
    Optional<String> subjectOf(TokenClaims claims) {
        if (claims.subject() == null || !claims.verified()) {
            return Optional.empty();
        }
        String value = subjectFormat == GatewayConfiguration.SubjectFormat.SUB || claims.issuer() == null
                ? claims.subject() : claims.issuer() + "|" + claims.subject();
        return Optional.of(headerSafe(value));
    }

    private void setForwardingHeaders(HttpRequest<?> request, MutableHttpHeaders headers) {
        String peer = TokenwatchServerFilter.peerAddress(request);
        boolean trustedPeer = IpAddress.tryParse(stripZone(peer)).map(clientIps::isTrusted).orElse(false);
        List<String> chain = request.getHeaders().getAll("X-Forwarded-For");
        String peerEntry = peer.indexOf(':') >= 0 ? "[" + stripZone(peer) + "]" : peer;
        if (trustedPeer && !chain.isEmpty()) {
            headers.set("X-Forwarded-For", String.join(", ", chain) + ", " + peerEntry);
        } else {
            // Nobody we trust wrote what the client sent; passing it on would let it speak for others.
            headers.set("X-Forwarded-For", peerEntry);
        }
        if (!trustedPeer || !headers.contains("X-Forwarded-Proto")) {
            headers.set("X-Forwarded-Proto", request.isSecure() ? "https" : "http");
        }
        String host = request.getHeaders().get(HttpHeaders.HOST);
        if (!trustedPeer || !headers.contains("X-Forwarded-Host")) {
            if (host != null) {
                headers.set("X-Forwarded-Host", host);
            } else {
                headers.remove("X-Forwarded-Host");
            }
        }
        if (!trustedPeer) {
            headers.remove("Forwarded");
        }
    }

    private MutableHttpResponse<?> upstreamFailure(HttpRequest<?> request, Throwable error) {
        if (bodyTooLarge(error)) {
            // A chunked body that grew past micronaut.server.max-request-size: the client's error, not
            // the upstream's (a declared oversize length is refused earlier, by RequestLineGuard).
            return HttpResponse.<String>status(HttpStatus.REQUEST_ENTITY_TOO_LARGE)
                    .contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(TokenwatchServerFilter.errorBody(HttpStatus.REQUEST_ENTITY_TOO_LARGE.getCode()));
        }
        boolean timeout = error instanceof ReadTimeoutException;
        LOG.warn("upstream {} for {} {}: {}", timeout ? "timed out" : "failed", request.getMethodName(),
                TokenwatchServerFilter.rawPath(request), error.toString());
        HttpStatus status = timeout ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
        return HttpResponse.<String>status(status)
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(TokenwatchServerFilter.errorBody(status.getCode()));
    }

    private static boolean bodyTooLarge(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ContentLengthExceededException) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code value} with every byte outside visible ASCII, and {@code %}, percent-encoded as UTF-8
     * (RFC 3986 §2.1 style), so the result is a valid field value (RFC 9110 §5.5) whatever the claim held.
     */
    static String headerSafe(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String stripZone(String address) {
        int zone = address.indexOf('%');
        return zone >= 0 ? address.substring(0, zone) : address;
    }

    /** RFC 9110 §5.1: a field name is a token. */
    private static boolean isTokenChar(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
