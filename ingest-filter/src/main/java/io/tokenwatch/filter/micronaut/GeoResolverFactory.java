package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.DisabledBeanException;
import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.geo.GeoResolver;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the filter's {@link GeoResolver} from {@link GeoConfiguration}: the configured sources, most
 * trusted first, as one chain. With no source configured there is no resolver bean, and
 * {@link TokenwatchFilterFactory} builds a filter without geo. A setting that cannot be used stops the
 * start-up with a message naming the property.
 */
@Factory
@Requires(property = TokenwatchFilterConfiguration.PREFIX + ".enabled", notEquals = "false")
public class GeoResolverFactory {

    @Singleton
    @Bean(preDestroy = "close")
    GeoResolver tokenwatchGeoResolver(GeoConfiguration config) {
        List<GeoResolver> chain = new ArrayList<>();
        if (config.isCdnHeaders()) {
            chain.add(cdnHeaders(config));
        }
        if (chain.isEmpty()) {
            throw new DisabledBeanException("no geo source configured under " + GeoConfiguration.PREFIX);
        }
        return chain.size() == 1 ? chain.get(0) : GeoResolver.firstOf(chain);
    }

    private static GeoResolver cdnHeaders(GeoConfiguration config) {
        try {
            return CdnHeaderGeoResolver.builder()
                    .countryHeader(config.getCountryHeader())
                    .regionHeader(config.getRegionHeader())
                    .latitudeHeader(config.getLatitudeHeader())
                    .longitudeHeader(config.getLongitudeHeader())
                    .asnHeader(config.getAsnHeader())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(GeoConfiguration.PREFIX + ": " + e.getMessage(), e);
        }
    }
}
