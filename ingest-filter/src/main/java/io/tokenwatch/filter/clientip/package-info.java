/**
 * Who the client is: IP literals and CIDR networks parsed without name resolution, and the resolver
 * that believes {@code X-Forwarded-For} only from configured trusted proxies (DESIGN.md §4).
 * Framework-free; adapters call {@link io.tokenwatch.filter.clientip.ClientIpResolver} and hand the
 * answer to the filter core.
 */
package io.tokenwatch.filter.clientip;
