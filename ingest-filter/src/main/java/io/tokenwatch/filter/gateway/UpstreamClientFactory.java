package io.tokenwatch.filter.gateway;

import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.LoadBalancer;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.client.ProxyHttpClientRegistry;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The HTTP client the gateway forwards with: Micronaut's {@link ProxyHttpClient}, which streams
 * request and response bodies instead of buffering them, on the server's event loop, configured for
 * a reverse proxy: redirects are answered to the client, never followed by the gateway (the client
 * decides where it goes, and a followed redirect would carry the verified-subject header to wherever
 * the upstream points).
 *
 * <p>The client comes from Micronaut's client registry, which owns it and closes it with the context.
 */
@Factory
@Requires(property = GatewayConfiguration.PREFIX + ".upstream")
public class UpstreamClientFactory {

    /** Qualifier of the upstream client bean. */
    public static final String NAME = "tokenwatch-upstream";

    @Singleton
    @Named(NAME)
    ProxyHttpClient tokenwatchUpstreamClient(ProxyHttpClientRegistry<?> registry, BeanContext beanContext,
                                             GatewayConfiguration config) {
        URI upstream = upstream(config);
        DefaultHttpClientConfiguration client = new DefaultHttpClientConfiguration();
        client.setFollowRedirects(false);
        client.setConnectTimeout(config.getConnectTimeout());
        client.setReadTimeout(config.getReadTimeout());
        client.setReadIdleTimeout(config.getReadTimeout());
        return registry.resolveProxyHttpClient(null, LoadBalancer.fixed(upstream), client, beanContext);
    }

    /** The configured upstream as an absolute http(s) URI without query or fragment. */
    static URI upstream(GatewayConfiguration config) {
        String text = config.getUpstream() == null ? "" : config.getUpstream().strip();
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(GatewayConfiguration.PREFIX + ".upstream is not a URL: " + text);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(GatewayConfiguration.PREFIX
                    + ".upstream must be an http:// or https:// URL with a host and no query, e.g. http://127.0.0.1:9000;"
                    + " was " + text);
        }
        return uri;
    }
}
