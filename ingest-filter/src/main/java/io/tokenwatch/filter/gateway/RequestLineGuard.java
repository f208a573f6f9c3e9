package io.tokenwatch.filter.gateway;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.core.annotation.NonNull;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.tokenwatch.filter.headers.SecurityHeaders;
import io.tokenwatch.filter.micronaut.TokenwatchServerFilter;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Refuses, on the connection itself and before any filter, route or upstream sees it, a request the
 * gateway must not speak to (issue 12 item 6: client errors are 4xx, not a 502 from the upstream):
 * <ul>
 *   <li>a protocol version other than HTTP/1.0 or HTTP/1.1: 505, answered as HTTP/1.1 (RFC 9110
 *       §15.6.6), so a {@code HTTP/9.9} request line is never echoed back;</li>
 *   <li>a method outside {@code tokenwatch.gateway.allowed-methods}: 405 with {@code Allow} (RFC 9110
 *       §15.5.6), so TRACE and invented methods never reach the upstream;</li>
 *   <li>a declared {@code Content-Length} over {@code micronaut.server.max-request-size}: 413 (RFC 9110
 *       §15.5.14) before a byte of the body is read. A chunked body that grows past the same limit is
 *       cut by Micronaut, and {@link GatewayProxyFilter} answers that with 413 too.</li>
 * </ul>
 * Each answer is a small generic JSON body with the security headers, {@code Connection: close}, and
 * the connection is closed after it, since the rest of the request (its body) is not read.
 *
 * <p>A Netty handler placed right after the HTTP/1 codec rather than an {@code HttpServerFilter}: by
 * the time a filter runs, Micronaut has already chosen the response's protocol version (the
 * request's), and an unknown method may have been routed. HTTP/2 (off by default in the gateway) is
 * framed by Netty's HTTP/2 codec, which has no version line to fake; its streams are not guarded here.
 *
 * <p>Thread-safe: the guard is immutable; each connection's handler belongs to its event loop.
 */
@Singleton
@Requires(property = GatewayConfiguration.PREFIX + ".upstream")
public final class RequestLineGuard implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLineGuard.class);
    static final String HANDLER_NAME = "tokenwatch-request-guard";

    private final Set<String> allowedMethods;
    private final String allowHeader;
    private final long maxBodyBytes;
    private final SecurityHeaders securityHeaders;

    public RequestLineGuard(GatewayConfiguration config, HttpServerConfiguration server,
                            @Nullable SecurityHeaders securityHeaders) {
        this.allowedMethods = config.getAllowedMethods().stream()
                .map(m -> m.strip().toUpperCase(Locale.ROOT))
                .filter(m -> !m.isEmpty())
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        if (allowedMethods.isEmpty()) {
            throw new IllegalArgumentException(GatewayConfiguration.PREFIX + ".allowed-methods must name at least one method");
        }
        this.allowHeader = String.join(", ", allowedMethods);
        this.maxBodyBytes = server.getMaxRequestSize();
        this.securityHeaders = securityHeaders != null ? securityHeaders : SecurityHeaders.defaults();
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(@NonNull BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        NettyServerCustomizer.Registry registry = event.getBean();
        registry.register(new Customizer(null));
        return registry;
    }

    /** Adds one {@link Handler} to each HTTP/1 connection's pipeline, after the codec. */
    private final class Customizer implements NettyServerCustomizer {

        private final Channel channel;

        Customizer(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new Customizer(channel) : this;
        }

        @Override
        public void onStreamPipelineBuilt() {
            if (channel == null) {
                return;
            }
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) != null
                    && pipeline.get(HANDLER_NAME) == null) {
                pipeline.addAfter(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC, HANDLER_NAME, new Handler());
            }
        }
    }

    /** One per connection; once it has refused a request it discards everything until the close. */
    private final class Handler extends ChannelInboundHandlerAdapter {

        private boolean refused;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
                HttpResponseStatus status = check(request);
                if (status != null) {
                    refused = true;
                    // Not the URI: a query may carry an access token (RFC 6750 §2.3), never to be logged.
                    LOG.debug("refused {} {}: {}", request.method(), request.protocolVersion(), status);
                    ReferenceCountUtil.release(msg);
                    ctx.writeAndFlush(response(status)).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
            } else if (msg instanceof HttpContent && refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }

        private HttpResponseStatus check(HttpRequest request) {
            HttpVersion version = request.protocolVersion();
            // RFC 9112 §2.3: only the versions this server implements are answered in kind.
            if (!"HTTP".equals(version.protocolName()) || version.majorVersion() != 1
                    || (version.minorVersion() != 0 && version.minorVersion() != 1)) {
                return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
            }
            if (!allowedMethods.contains(request.method().name())) {
                return HttpResponseStatus.METHOD_NOT_ALLOWED;
            }
            if (HttpUtil.getContentLength(request, -1L) > maxBodyBytes) {
                return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
            }
            return null;
        }

        private FullHttpResponse response(HttpResponseStatus status) {
            byte[] body = TokenwatchServerFilter.errorBody(status.code()).getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
                response.headers().set(HttpHeaderNames.ALLOW, allowHeader);
            }
            for (Map.Entry<String, String> header : securityHeaders.headersFor("", false, false).entrySet()) {
                response.headers().set(header.getKey(), header.getValue());
            }
            return response;
        }
    }
}
