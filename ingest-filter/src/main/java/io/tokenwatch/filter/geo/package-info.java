/**
 * Where a request came from, for the {@code geo} of usage events (country, region, latitude and
 * longitude with the resolver's accuracy radius, autonomous system, connection type, anonymizing
 * network), which the detector's context rules read (new country, impossible travel, new network,
 * anonymous network). The radius and the network kind are what let the detector tell travel from
 * geolocation error: a cellular carrier's NAT pool or a VPN exit is placed far from its user. A
 * {@link io.tokenwatch.filter.geo.GeoResolver} answers from the client address, whether the socket peer
 * is a trusted proxy, and the request headers; implementations read CDN headers (only from trusted
 * proxies), MaxMind database files, or a static CIDR table, and
 * {@link io.tokenwatch.filter.geo.GeoResolver#firstOf} chains them. Framework-free; no resolver ever
 * fails a request.
 */
package io.tokenwatch.filter.geo;
