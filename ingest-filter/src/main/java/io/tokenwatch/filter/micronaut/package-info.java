/**
 * The Micronaut 4 adapter of the filter core: add {@code tokenwatch-ingest-filter} to a Micronaut
 * service, set {@code tokenwatch.filter.issuer}, {@code .audiences}, a key under {@code .keys.*} and
 * {@code .kafka.bootstrap-servers}, and every request outside {@code .excluded-paths} is validated,
 * checked against the revocation view and the rate limits, answered with the security headers, and
 * reported as one usage event.
 *
 * <ul>
 *   <li>{@link io.tokenwatch.filter.micronaut.TokenwatchFilterConfiguration}: every property and its default</li>
 *   <li>{@link io.tokenwatch.filter.micronaut.TokenwatchFilterFactory}: the core's objects as beans</li>
 *   <li>{@link io.tokenwatch.filter.micronaut.TokenwatchServerFilter}: the HTTP filter</li>
 *   <li>{@link io.tokenwatch.filter.micronaut.VerifiedClaims}: how a controller reads the verified claims</li>
 *   <li>{@link io.tokenwatch.filter.micronaut.TokenwatchReadinessIndicator}: {@code /health/readiness}</li>
 *   <li>{@link io.tokenwatch.filter.micronaut.TokenwatchMetrics}: the Micrometer meters behind {@code /prometheus}</li>
 * </ul>
 *
 * The service exposes the endpoints itself: {@code endpoints.prometheus.sensitive=false} makes
 * {@code /prometheus} readable without authentication (Micronaut's default is sensitive).
 *
 * <p>Only this package and {@code io.tokenwatch.filter.gateway} may import Micronaut; the core stays
 * framework-free (launcher's ModuleBoundariesTest).
 */
package io.tokenwatch.filter.micronaut;
