package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.Optional;

/**
 * Finds where a request came from, for the {@code geo} of its usage event. The filter core asks once
 * per request ({@code TokenFilter.Builder#geoResolver}); without a resolver events carry no geo.
 *
 * <p>Contract for implementations: never throw and never block on the network, whatever the input
 * (a client controls its headers and, without trusted proxies, nothing else but its address), and
 * answer empty rather than guess. Geo is telemetry: a resolver that cannot answer costs the detector
 * one signal, never the client its request (DESIGN.md §4). Implementations are thread-safe.
 */
@FunctionalInterface
public interface GeoResolver extends AutoCloseable {

    /**
     * @param clientIp    the client address as resolved through trusted proxies, canonical text
     * @param peerTrusted true if the socket peer is a configured trusted proxy, so headers it sets may be believed
     * @param headers     the request's headers
     * @return what is known of the client's location and network, or empty if nothing is
     */
    Optional<TokenUsageEvent.Geo> resolve(String clientIp, boolean peerTrusted, RequestHeaders headers);

    /** Releases files or caches the resolver holds; by default nothing. */
    @Override
    default void close() {
    }

    /**
     * A chain asking each resolver in turn: the location (country, region, coordinates, radius) comes
     * whole from the first answer that has one; AS number, connection type and anonymizer each from the
     * first answer that has it, since they describe the address's network rather than a place. Later
     * resolvers are asked only while something is still missing.
     */
    static GeoResolver firstOf(List<? extends GeoResolver> resolvers) {
        return new GeoResolverChain(resolvers);
    }

    /** {@link #firstOf(List)} of these resolvers. */
    static GeoResolver firstOf(GeoResolver... resolvers) {
        return firstOf(List.of(resolvers));
    }
}
