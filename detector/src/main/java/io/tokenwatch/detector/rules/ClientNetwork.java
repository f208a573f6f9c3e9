package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.NetworkIdentity;
import io.tokenwatch.schemas.TokenUsageEvent;

/**
 * Client networks as every rule counts them: {@link NetworkIdentity}, the one definition shared by
 * the profile rules and token replay (ASN; home lines split by /24; /24 or /48 without a resolver).
 * Stateless and thread-safe.
 */
public final class ClientNetwork {

    private ClientNetwork() {
    }

    /** The /24 (IPv4) or /48 (IPv6) block of an IP literal, e.g. {@code 203.0.113.0/24}. */
    public static String of(String ip) {
        return NetworkIdentity.prefix(ip);
    }

    /** The network of a request as the rules count it. */
    public static NetworkIdentity of(TokenUsageEvent.RequestFacts request) {
        return NetworkIdentity.of(request);
    }
}
