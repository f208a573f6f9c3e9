package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One request seen by an ingest filter, accepted or rejected (topic {@code tokenwatch.token-usage}).
 *
 * <p>The raw token is never part of an event: {@link TokenFacts#fingerprint()} (SHA-256) identifies
 * it. All times are epoch milliseconds. Immutable; validated on construction.
 *
 * @param schemaVersion version of this contract, {@link #SCHEMA_VERSION}
 * @param eventId       unique id of this event (a UUID)
 * @param eventTime     when the filter decided, epoch ms
 * @param filterId      the filter instance that saw the request
 * @param service       the protected service's name
 * @param outcome       {@code accepted} or the rejection reason
 * @param token         facts about the presented token, {@code null} when there was none
 * @param request       facts about the HTTP request
 */
public record TokenUsageEvent(
        int schemaVersion,
        String eventId,
        long eventTime,
        String filterId,
        String service,
        Outcome outcome,
        TokenFacts token,
        RequestFacts request) {

    public static final int SCHEMA_VERSION = 2;

    public TokenUsageEvent {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schema_version must be >= 1, was " + schemaVersion);
        }
        Keys.requireText(eventId, "event_id");
        if (eventTime < 0) {
            throw new IllegalArgumentException("event_time must be >= 0");
        }
        Keys.requireText(filterId, "filter_id");
        Keys.requireText(service, "service");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(request, "request");
    }

    /**
     * The record key (DESIGN.md §3): {@code iss|sub} when the token verified and names both,
     * otherwise {@code ip|<client ip>}, so unverified claims never pick a victim's partition or state.
     */
    public String key() {
        if (hasVerifiedSubject()) {
            return Keys.subject(token.iss(), token.sub());
        }
        return Keys.ip(request.clientIp());
    }

    /** True when the token's signature verified and it names an issuer and a subject. */
    @JsonIgnore
    public boolean hasVerifiedSubject() {
        return token != null && token.verified() && token.iss() != null && token.sub() != null;
    }

    /**
     * Facts about the presented token. When {@code verified} is false the claim fields were read from
     * an unverified payload: they are the attacker's words, not the subject's.
     *
     * @param fingerprint lower-case hex SHA-256 of the compact token
     * @param verified    true when the signature verified against a configured key
     * @param jti         {@code jti} claim
     * @param sub         {@code sub} claim
     * @param iss         {@code iss} claim
     * @param aud         {@code aud} claim values
     * @param issuedAt    {@code iat}, epoch ms
     * @param expiresAt   {@code exp}, epoch ms
     * @param notBefore   {@code nbf}, epoch ms
     * @param kid         header {@code kid}
     * @param alg         header {@code alg}
     */
    public record TokenFacts(
            String fingerprint,
            boolean verified,
            String jti,
            String sub,
            String iss,
            List<String> aud,
            Long issuedAt,
            Long expiresAt,
            Long notBefore,
            String kid,
            String alg) {

        public TokenFacts {
            Keys.requireText(fingerprint, "fingerprint");
            if (!isLowerHex64(fingerprint)) {
                throw new IllegalArgumentException("fingerprint must be 64 lower-case hex digits");
            }
            aud = aud == null ? List.of() : List.copyOf(aud);
        }

        /** A plain loop rather than a regex: this runs once per request on the filter's hot path. */
        private static boolean isLowerHex64(String value) {
            if (value.length() != 64) {
                return false;
            }
            for (int i = 0; i < 64; i++) {
                char c = value.charAt(i);
                if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Facts about the HTTP request.
     *
     * @param method    HTTP method
     * @param route     route template (e.g. {@code /accounts/{id}}), never the raw path
     * @param status    HTTP status the filter answered or let through
     * @param clientIp  client IP as resolved through trusted proxies only
     * @param userAgent {@code User-Agent} header
     * @param deviceId  device id supplied by the service, when any
     * @param geo       location and network, when a resolver is configured
     */
    public record RequestFacts(
            String method,
            String route,
            int status,
            String clientIp,
            String userAgent,
            String deviceId,
            Geo geo) {

        public RequestFacts {
            Keys.requireText(method, "method");
            Keys.requireText(route, "route");
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status out of range: " + status);
            }
            Keys.requireIpOrCidr(clientIp);
            if (clientIp.indexOf('/') >= 0) {
                throw new IllegalArgumentException("client_ip must be an address, not a CIDR");
            }
        }
    }

    /**
     * Where a request came from, as far as a resolver could tell, and how far to trust it.
     *
     * <p>A location is an estimate: commercial databases put a carrier-grade NAT address at the
     * carrier's gateway city or the country centroid, and a VPN exit in the VPN's country. The
     * detector therefore needs the resolver's own uncertainty ({@code accuracyRadiusKm}, MaxMind's
     * {@code accuracy_radius}) and the kind of network ({@code connectionType},
     * {@code anonymizer}) to tell travel from geolocation error (schema version 2 added these three;
     * absent means the resolver did not say).
     *
     * @param country          ISO 3166-1 alpha-2 country code
     * @param region           region or subdivision
     * @param lat              latitude in degrees
     * @param lon              longitude in degrees
     * @param asn              autonomous system number
     * @param accuracyRadiusKm radius around lat/lon, in km, within which the address most likely is
     * @param connectionType   the access network's type, when the resolver knows it
     * @param anonymizer       the kind of anonymizing or hosting network, when the address is one
     */
    public record Geo(String country, String region, Double lat, Double lon, Long asn, Integer accuracyRadiusKm,
                      ConnectionType connectionType, Anonymizer anonymizer) {

        public Geo {
            if (lat != null && (lat < -90 || lat > 90)) {
                throw new IllegalArgumentException("lat out of range: " + lat);
            }
            if (lon != null && (lon < -180 || lon > 180)) {
                throw new IllegalArgumentException("lon out of range: " + lon);
            }
            if (accuracyRadiusKm != null && accuracyRadiusKm < 0) {
                throw new IllegalArgumentException("accuracy_radius_km must be >= 0, was " + accuracyRadiusKm);
            }
        }

        /** A location without accuracy or network type (schema version 1's fields). */
        public Geo(String country, String region, Double lat, Double lon, Long asn) {
            this(country, region, lat, lon, asn, null, null, null);
        }
    }

    /**
     * The access network's type, as MaxMind's GeoIP2 Connection-Type database names it. The wire
     * value is the lower-case name; a value this version does not know reads as {@code null}, so a
     * newer producer does not break an older consumer.
     */
    public enum ConnectionType {
        /** Home broadband: cable, DSL, fibre. */
        CABLE_DSL,
        /** Mobile data; addresses are usually carrier-grade NAT pools located at the carrier's gateway. */
        CELLULAR,
        /** A company's own network. */
        CORPORATE,
        SATELLITE,
        DIALUP;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The type for a wire value, {@code null} for one this version does not know. */
        @JsonCreator
        public static ConnectionType fromWire(String wire) {
            return wire == null ? null : lookup(ConnectionType.class, wire);
        }
    }

    /**
     * The kind of network that hides who is behind it, as anonymous-IP databases classify it
     * (MaxMind GeoIP2 Anonymous IP: {@code is_anonymous_vpn}, {@code is_hosting_provider},
     * {@code is_public_proxy}, {@code is_residential_proxy}, {@code is_tor_exit_node}). The wire value
     * is the lower-case name; an unknown value reads as {@code null}.
     */
    public enum Anonymizer {
        VPN,
        HOSTING,
        PUBLIC_PROXY,
        RESIDENTIAL_PROXY,
        TOR;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind for a wire value, {@code null} for one this version does not know. */
        @JsonCreator
        public static Anonymizer fromWire(String wire) {
            return wire == null ? null : lookup(Anonymizer.class, wire);
        }
    }

    private static <E extends Enum<E>> E lookup(Class<E> type, String wire) {
        for (E value : type.getEnumConstants()) {
            if (value.name().toLowerCase(Locale.ROOT).equals(wire)) {
                return value;
            }
        }
        return null;
    }
}
