package io.tokenwatch.detector.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Value of the {@code user-profiles} store: what is normal for one verified subject, learned from its
 * accepted requests only. Every collection is capped ({@link ProfileLimits}) and the whole profile is
 * deleted after {@link ProfileSettings#idleExpiry()} without a request, so state per subject is
 * bounded (about 0.5 KB for a typical active user, at most about 1.2 KB; {@link UserProfileSerde}).
 * Immutable: learning returns a new profile.
 *
 * @param firstSeen      the first learned request, epoch ms (starts the learning period)
 * @param lastSeen       the latest learned request, epoch ms (idle expiry counts from here)
 * @param events         requests learned
 * @param routes         request-rate baselines per route class, least recently counted first
 * @param countries      countries seen
 * @param networks       client networks seen ({@link Observation#networkHash()})
 * @param devices        device ids seen ({@link Observation#deviceHash()})
 * @param userAgents     user-agent families seen
 * @param hours          decayed hour-of-day histogram
 * @param places         recent located places, least recent first; the last is the last located request
 * @param throttledUntil when the latest throttle this detector issued for the subject ends, epoch ms; 0 if none
 * @param revokedToken   hash of the latest token id this detector revoked for the subject; 0 if none
 */
public record UserProfile(long firstSeen, long lastSeen, long events, List<RouteRate> routes,
                          LastSeen<String> countries, LastSeen<Long> networks, LastSeen<Long> devices,
                          LastSeen<UaFamily> userAgents, HourHistogram hours, List<Place> places,
                          long throttledUntil, long revokedToken) {

    public UserProfile {
        if (events < 0) {
            throw new IllegalArgumentException("events must not be negative");
        }
        routes = List.copyOf(routes);
        Objects.requireNonNull(countries, "countries");
        Objects.requireNonNull(networks, "networks");
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(userAgents, "userAgents");
        Objects.requireNonNull(hours, "hours");
        places = List.copyOf(places);
    }

    /**
     * The request-rate baseline of one route class.
     *
     * @param routeClass the class ({@link RouteClasses})
     * @param rate       its baseline and the interval in progress
     */
    public record RouteRate(String routeClass, DecayedRate rate) {
        public RouteRate {
            Objects.requireNonNull(routeClass, "routeClass");
            Objects.requireNonNull(rate, "rate");
        }
    }

    /** A profile that has learned nothing yet, its history starting at {@code time}. */
    public static UserProfile startingAt(long time) {
        return new UserProfile(time, time, 0, List.of(), LastSeen.none(), LastSeen.none(), LastSeen.none(),
                LastSeen.none(), HourHistogram.empty(), List.of(), 0, 0);
    }

    /** The baseline of {@code routeClass}, if one is kept. */
    public Optional<DecayedRate> rate(String routeClass) {
        return routes.stream().filter(r -> r.routeClass().equals(routeClass)).map(RouteRate::rate).findFirst();
    }

    /** The latest located request's place, if any. */
    public Optional<Place> lastLocated() {
        return places.isEmpty() ? Optional.empty() : Optional.of(places.get(places.size() - 1));
    }

    /** The place {@code observation} belongs to (the nearest within the same-place radius), if any. */
    public Optional<Place> placeOf(Observation observation, double samePlaceKm) {
        if (!observation.isLocated()) {
            return Optional.empty();
        }
        return places.stream()
                .filter(p -> p.distanceKm(observation.lat(), observation.lon()) <= samePlaceKm)
                .min(Comparator.comparingDouble(p -> p.distanceKm(observation.lat(), observation.lon())));
    }

    /**
     * Moves the rate of {@code observation}'s route class to its interval (folding a finished interval
     * into the baseline, each counted as at most {@code foldCap} of the baseline before it), adding a
     * baseline for a class not kept yet. Rules judge the request against the result, before it is
     * learned.
     */
    public UserProfile rolledTo(Observation observation, ProfileSettings settings,
                                ToDoubleFunction<DecayedRate> foldCap) {
        long start = settings.intervalStart(observation.time());
        double halfLife = settings.rateHalfLife().toMillis();
        List<RouteRate> next = new ArrayList<>(routes.size() + 1);
        boolean found = false;
        for (RouteRate route : routes) {
            if (route.routeClass().equals(observation.routeClass())) {
                DecayedRate rate = route.rate();
                next.add(new RouteRate(route.routeClass(), rate.rolledTo(start, halfLife, foldCap.applyAsDouble(rate))));
                found = true;
            } else {
                next.add(route);
            }
        }
        if (!found) {
            next.add(new RouteRate(observation.routeClass(), DecayedRate.startingAt(start)));
        }
        next.sort(Comparator.comparingLong(r -> r.rate().currentStart()));
        while (next.size() > settings.limits().routeClasses()) {
            // The one counted least recently; never the one just added, which is the latest interval.
            next.remove(next.get(0).routeClass().equals(observation.routeClass()) ? 1 : 0);
        }
        return withRoutes(next);
    }

    /** {@code observation} learned: counted in its rate (see {@link #rolledTo} first), context remembered. */
    public UserProfile learn(Observation observation, ProfileSettings settings) {
        ProfileLimits caps = settings.limits();
        long time = observation.time();
        List<RouteRate> counted = routes.stream()
                .map(r -> r.routeClass().equals(observation.routeClass())
                        ? new RouteRate(r.routeClass(), r.rate().counted()) : r)
                .toList();
        LastSeen<String> nextCountries = observation.country() == null ? countries
                : countries.seen(observation.country(), time, caps.countries());
        LastSeen<Long> nextDevices = observation.deviceHash() == null ? devices
                : devices.seen(observation.deviceHash(), time, caps.devices());
        return new UserProfile(Math.min(firstSeen, time), Math.max(lastSeen, time),
                events == Long.MAX_VALUE ? events : events + 1, counted, nextCountries,
                networks.seen(observation.networkHash(), time, caps.networks()), nextDevices,
                userAgents.seen(observation.userAgent(), time, caps.userAgents()),
                hours.observe(time, settings.hourHalfLife().toMillis()), placesWith(observation, settings),
                throttledUntil, revokedToken);
    }

    public UserProfile withThrottledUntil(long value) {
        return new UserProfile(firstSeen, lastSeen, events, routes, countries, networks, devices, userAgents, hours,
                places, value, revokedToken);
    }

    public UserProfile withRevokedToken(long value) {
        return new UserProfile(firstSeen, lastSeen, events, routes, countries, networks, devices, userAgents, hours,
                places, throttledUntil, value);
    }

    private UserProfile withRoutes(List<RouteRate> value) {
        return new UserProfile(firstSeen, lastSeen, events, value, countries, networks, devices, userAgents, hours,
                places, throttledUntil, revokedToken);
    }

    private List<Place> placesWith(Observation observation, ProfileSettings settings) {
        if (!observation.isLocated()) {
            return places;
        }
        Optional<Place> same = placeOf(observation, settings.samePlaceKm());
        List<Place> next = new ArrayList<>(places);
        Place here = new Place(observation.lat().floatValue(), observation.lon().floatValue(), observation.country(),
                observation.networkHash(), observation.time());
        if (same.isPresent()) {
            Place before = same.get();
            next.remove(before);
            // A late request does not move the place back in time.
            here = observation.time() >= before.lastSeen() ? here
                    : before;
        }
        next.add(here);
        next.sort(Comparator.comparingLong(Place::lastSeen));
        while (next.size() > settings.limits().places()) {
            next.remove(0);
        }
        return next;
    }

    /** Hash of a token id as kept in {@link #revokedToken()}; never 0, which means none. */
    public static long tokenHash(String jti) {
        long hash = Text.hash64(jti);
        return hash == 0 ? 1 : hash;
    }
}
