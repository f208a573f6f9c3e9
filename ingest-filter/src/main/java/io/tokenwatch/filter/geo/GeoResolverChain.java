package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Resolvers asked in order; the first non-empty answer is the answer, and later resolvers are not
 * asked. Answers are not merged: fields of one source and another (a CDN's country, a database's
 * coordinates) could describe two different places, and the impossible-travel rule would then
 * measure a distance nobody travelled. Put the most trusted source first.
 *
 * <p>Immutable and thread-safe if its members are.
 */
final class GeoResolverChain implements GeoResolver {

    private final List<GeoResolver> resolvers;

    GeoResolverChain(List<? extends GeoResolver> resolvers) {
        this.resolvers = List.copyOf(Objects.requireNonNull(resolvers, "resolvers"));
    }

    @Override
    public Optional<TokenUsageEvent.Geo> resolve(String clientIp, boolean peerTrusted, RequestHeaders headers) {
        for (GeoResolver resolver : resolvers) {
            Optional<TokenUsageEvent.Geo> geo = resolver.resolve(clientIp, peerTrusted, headers);
            if (geo.isPresent()) {
                return geo;
            }
        }
        return Optional.empty();
    }

    /** Closes every member, even if one fails; the first failure is rethrown with the others suppressed. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (GeoResolver resolver : resolvers) {
            try {
                resolver.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "firstOf" + resolvers;
    }
}
