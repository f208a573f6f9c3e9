package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.UUID;

/** Test fixture: a valid accepted usage event, changed one thing at a time. */
public final class UsageEvents {

    private String iss = "https://issuer.example";
    private String sub = "alice";
    private String jti = "token-1";
    private boolean verified = true;
    private Outcome outcome = Outcome.ACCEPTED;
    private String ip = "198.51.100.7";
    private long time = 1_800_000_000_000L;
    private Long exp = time + 3_600_000L;
    private boolean hasToken = true;
    private TokenUsageEvent.Geo geo;
    private String route = "/accounts/{id}";
    private String userAgent = "curl/8";
    private String deviceId;
    private Long iat;
    private boolean iatSet;

    public static UsageEvents accepted() {
        return new UsageEvents();
    }

    public UsageEvents subject(String value) {
        sub = value;
        return this;
    }

    public UsageEvents jti(String value) {
        jti = value;
        return this;
    }

    public UsageEvents unverified() {
        verified = false;
        return this;
    }

    public UsageEvents outcome(Outcome value) {
        outcome = value;
        return this;
    }

    public UsageEvents from(String value) {
        ip = value;
        return this;
    }

    public UsageEvents at(long value) {
        time = value;
        return this;
    }

    public UsageEvents expiresAt(Long value) {
        exp = value;
        return this;
    }

    /** No token facts at all, as for a request refused before decoding (blocked address, no token). */
    public UsageEvents withoutToken() {
        hasToken = false;
        return this;
    }

    public UsageEvents in(String country) {
        geo = new TokenUsageEvent.Geo(country, null, null, null, null);
        return this;
    }

    /** Located: country, coordinates and, when not null, the network's ASN. */
    public UsageEvents located(String country, Double lat, Double lon, Long asn) {
        geo = new TokenUsageEvent.Geo(country, null, lat, lon, asn);
        return this;
    }

    public UsageEvents route(String value) {
        route = value;
        return this;
    }

    public UsageEvents userAgent(String value) {
        userAgent = value;
        return this;
    }

    /** The token's {@code iat}; by default a minute before the event. */
    public UsageEvents issuedAt(Long value) {
        iat = value;
        iatSet = true;
        return this;
    }

    public UsageEvents device(String value) {
        deviceId = value;
        return this;
    }

    /**
     * What the resolver says about the network of the location set before ({@link #located} or
     * {@link #in}): its connection type, anonymizer kind and accuracy radius, each possibly null.
     */
    public UsageEvents network(TokenUsageEvent.ConnectionType connection, TokenUsageEvent.Anonymizer anonymizer,
                               Integer accuracyRadiusKm) {
        TokenUsageEvent.Geo g = geo == null ? new TokenUsageEvent.Geo(null, null, null, null, null) : geo;
        geo = new TokenUsageEvent.Geo(g.country(), g.region(), g.lat(), g.lon(), g.asn(), accuracyRadiusKm, connection,
                anonymizer);
        return this;
    }

    public TokenUsageEvent build() {
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), time, "filter-1",
                "accounts", outcome,
                hasToken ? new TokenUsageEvent.TokenFacts("a".repeat(64), verified, jti, sub, iss, List.of("api"),
                        iatSet ? iat : Long.valueOf(time - 60_000), exp, null, "k1", "ES256") : null,
                new TokenUsageEvent.RequestFacts("GET", route, outcome == Outcome.ACCEPTED ? 200 : 401, ip,
                        userAgent, deviceId, geo));
    }
}
