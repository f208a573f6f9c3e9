/**
 * The sidecar gateway: a runnable Micronaut reverse proxy that applies the tokenwatch filter
 * ({@link io.tokenwatch.filter.micronaut.TokenwatchServerFilter}) and forwards accepted requests to
 * one configured upstream ({@link io.tokenwatch.filter.gateway.GatewayProxyFilter}), so a service in
 * any language is protected by routing through it. Start one with
 * {@link io.tokenwatch.filter.gateway.Gateway#start} or {@code tokenwatch gateway}; settings are in
 * {@link io.tokenwatch.filter.gateway.GatewayConfiguration} and
 * {@link io.tokenwatch.filter.micronaut.TokenwatchFilterConfiguration}.
 *
 * <p>{@code tokenwatch.filter.enabled=false} runs the same proxy without the filter, forwarding every
 * request unchecked and saying so at start-up: the baseline of the gateway load run
 * ({@link io.tokenwatch.filter.gateway.UnfilteredGatewayFactory}).
 *
 * <p>An adapter like the {@code micronaut} package: it may import Micronaut, the core may not.
 */
package io.tokenwatch.filter.gateway;
