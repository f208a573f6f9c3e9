package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.DisabledBeanException;
import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.geo.CidrTableGeoResolver;
import io.tokenwatch.filter.geo.GeoResolver;
import io.tokenwatch.filter.geo.MaxMindGeoResolver;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Builds the filter's {@link GeoResolver} from {@link GeoConfiguration}: the configured sources as one
 * chain, CDN headers first (the edge saw the client), then the operator's table (its location
 * overrides a database's for the networks it names), then the MaxMind databases (City or Country, ASN,
 * Connection-Type, Anonymous-IP) as one resolver. With no source configured there is
 * no resolver bean, and {@link TokenwatchFilterFactory} builds a filter without geo. A setting that
 * cannot be used stops the start-up with a message naming the property.
 */
@Factory
@Requires(property = TokenwatchFilterConfiguration.PREFIX + ".enabled", notEquals = "false")
public class GeoResolverFactory {

    private static final Logger LOG = LoggerFactory.getLogger(GeoResolverFactory.class);

    @Singleton
    @Bean(preDestroy = "close")
    GeoResolver tokenwatchGeoResolver(GeoConfiguration config) {
        List<GeoResolver> chain = new ArrayList<>();
        try {
            if (config.isCdnHeaders()) {
                chain.add(cdnHeaders(config));
            }
            Path table = path(config.getTable());
            if (table != null) {
                chain.add(open("table", () -> CidrTableGeoResolver.load(table)));
            }
            MaxMindGeoResolver.Builder databases = MaxMindGeoResolver.builder().cacheSize(config.getCacheSize());
            List<String> properties = new ArrayList<>();
            databases.locationDatabase(database(config.getDatabase(), "database", properties))
                    .asnDatabase(database(config.getAsnDatabase(), "asn-database", properties))
                    .connectionTypeDatabase(database(config.getConnectionTypeDatabase(), "connection-type-database",
                            properties))
                    .anonymousDatabase(database(config.getAnonymousDatabase(), "anonymous-database", properties));
            if (!properties.isEmpty()) {
                // One resolver for all databases: one address cache, one answer per address.
                chain.add(open(String.join("/", properties), databases::open));
            }
        } catch (RuntimeException e) {
            // Files opened before the failure are released; the context will not call close on a bean it never got.
            GeoResolver.firstOf(chain).close();
            throw e;
        }
        if (chain.isEmpty()) {
            throw new DisabledBeanException("no geo source configured under " + GeoConfiguration.PREFIX);
        }
        LOG.info("geo of usage events from {}", chain);
        return chain.size() == 1 ? chain.get(0) : GeoResolver.firstOf(chain);
    }

    private static GeoResolver open(String property, Supplier<GeoResolver> opener) {
        try {
            return opener.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(GeoConfiguration.PREFIX + "." + property + ": " + e.getMessage(), e);
        }
    }

    /** The file a database property names, noting the property for error messages; null if unset. */
    private static Path database(String value, String property, List<String> properties) {
        Path file = path(value);
        if (file != null) {
            properties.add(property);
        }
        return file;
    }

    private static Path path(String value) {
        return value == null || value.isBlank() ? null : Path.of(value.strip());
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
