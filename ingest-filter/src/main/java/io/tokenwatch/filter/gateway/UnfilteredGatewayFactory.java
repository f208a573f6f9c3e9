package io.tokenwatch.filter.gateway;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.tokenwatch.filter.clientip.Cidr;
import io.tokenwatch.filter.clientip.ClientIpResolver;
import io.tokenwatch.filter.micronaut.TokenwatchFilterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway with the filter switched off ({@code tokenwatch.filter.enabled=false}): the same reverse
 * proxy, forwarding every request unchecked. No token validation, no revocation view, no rate limits,
 * no security headers, no usage events: this mode exists to measure what the filter costs (the
 * gateway load run, DESIGN.md §5) and to take the filter out while diagnosing an upstream, never to
 * protect anything. Start-up says so at WARN level.
 *
 * <p>The filter's own beans are absent in this mode, so this factory supplies what the proxy still
 * needs: the {@link ClientIpResolver} over {@code tokenwatch.filter.trusted-proxies}, so the
 * {@code X-Forwarded-*} headers the upstream receives are built exactly as with the filter on.
 */
@Factory
@Requires(property = GatewayConfiguration.PREFIX + ".upstream")
@Requires(property = TokenwatchFilterConfiguration.PREFIX + ".enabled", value = "false")
public class UnfilteredGatewayFactory {

    private static final Logger LOG = LoggerFactory.getLogger(UnfilteredGatewayFactory.class);

    /** Created with the context, so the warning is part of every start-up in this mode. */
    @Context
    ClientIpResolver tokenwatchUnfilteredClientIpResolver(TokenwatchFilterConfiguration config,
                                                          GatewayConfiguration gateway) {
        LOG.warn("tokenwatch.filter.enabled=false: the gateway forwards EVERY request to {} UNCHECKED "
                + "(no token validation, no revocations, no rate limits, no security headers, no usage events). "
                + "For measurement and diagnosis only.", gateway.getUpstream());
        try {
            return new ClientIpResolver(Cidr.parseAll(config.getTrustedProxies().stream().map(String::strip)
                    .filter(c -> !c.isEmpty()).toList()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ".trusted-proxies: "
                    + e.getMessage(), e);
        }
    }
}
