package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Resolvers asked in order, whose answers are combined by two rules:
 * <ul>
 *   <li><b>Location is never merged.</b> Country, region, latitude, longitude and accuracy radius come
 *       together from the first answer that has any of them, and from no other: fields of one source and
 *       another (a CDN's country, a database's coordinates) could describe two different places, and the
 *       travel rule would then measure a distance nobody travelled. Put the most trusted source first.</li>
 *   <li><b>Network facts fill in.</b> AS number, connection type and anonymizer describe the client
 *       address's network, not a place, and every resolver is asked about the same address (the client
 *       IP as resolved through trusted proxies). Each is taken from the first answer that has it, so a
 *       CDN's or a table's location still gets an Anonymous-IP database's {@code vpn}, and a table row
 *       that only flags a network ({@code ,,,,,,,,vpn}) still gets a database's location. An earlier
 *       answer's value is never overridden by a later one.</li>
 * </ul>
 * Later resolvers are asked only while something is missing, which for most addresses (those on no
 * anonymizing network) means every resolver is asked; database answers are cached per address and the
 * table is small, so this costs little. A resolver that answers nothing is skipped; if none says
 * anything, neither does the chain.
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
        TokenUsageEvent.Geo place = null;
        Long asn = null;
        TokenUsageEvent.ConnectionType connectionType = null;
        TokenUsageEvent.Anonymizer anonymizer = null;
        for (GeoResolver resolver : resolvers) {
            Optional<TokenUsageEvent.Geo> found = resolver.resolve(clientIp, peerTrusted, headers);
            if (found.isEmpty()) {
                continue;
            }
            TokenUsageEvent.Geo geo = found.get();
            if (place == null && GeoFields.hasLocation(geo)) {
                place = geo;
            }
            asn = asn != null ? asn : geo.asn();
            connectionType = connectionType != null ? connectionType : geo.connectionType();
            anonymizer = anonymizer != null ? anonymizer : geo.anonymizer();
            if (place != null && asn != null && connectionType != null && anonymizer != null) {
                break;
            }
        }
        if (place == null && asn == null && connectionType == null && anonymizer == null) {
            return Optional.empty();
        }
        return Optional.of(place == null
                ? new TokenUsageEvent.Geo(null, null, null, null, asn, null, connectionType, anonymizer)
                : new TokenUsageEvent.Geo(place.country(), place.region(), place.lat(), place.lon(), asn,
                place.accuracyRadiusKm(), connectionType, anonymizer));
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
