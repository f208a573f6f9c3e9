/**
 * Where a request came from, for the {@code geo} of usage events (country, region, latitude and
 * longitude, autonomous system), which the detector's context rules read (new country, impossible
 * travel, new network). A {@link io.tokenwatch.filter.geo.GeoResolver} answers from the client address,
 * whether the socket peer is a trusted proxy, and the request headers; implementations read CDN
 * headers (only from trusted proxies), a MaxMind database file, or a static CIDR table, and
 * {@link io.tokenwatch.filter.geo.GeoResolver#firstOf} chains them. Framework-free; no resolver ever
 * fails a request.
 */
package io.tokenwatch.filter.geo;
