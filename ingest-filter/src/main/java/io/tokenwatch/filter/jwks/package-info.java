/**
 * Verification keys from a JWKS URL (RFC 7517 §5): {@link io.tokenwatch.filter.jwks.JwksKeySource}
 * fetches the configured set, keeps it cached, refreshes it in the background and on an unknown
 * {@code kid} (rate-limited), and keeps the last good set when the endpoint fails. It plugs into the
 * validation core as a {@link io.tokenwatch.filter.validation.KeySource}. The URL comes from
 * configuration only; nothing in a token ever names a location to fetch (RFC 8725 §3.10).
 */
package io.tokenwatch.filter.jwks;
