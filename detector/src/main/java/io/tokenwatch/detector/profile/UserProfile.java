package io.tokenwatch.detector.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Value of the {@code user-profiles} store: what is normal for one verified subject, learned from its
 * accepted requests only. Every collection is capped ({@link ProfileLimits}) and the whole profile is
 * deleted after {@link ProfileSettings#idleExpiry()} without a request, so state per subject is
 * bounded (well under 2 KB even with every cap full; {@code ProfileSizeTest}). Immutable: learning
 * returns a new profile.
 *
 * @param firstSeen      the first learned request, epoch ms (starts the learning period)
 * @param lastSeen       the latest learned request, epoch ms (idle expiry counts from here)
 * @param events         requests learned
 * @param routes         request-rate baselines per route class, least recently counted first
 * @param countries      countries seen
 * @param networks       client networks seen ({@link Observation#networkHash()})
 * @param devices        device ids seen ({@link Observation#deviceHash()})
 * @param userAgents     user-agent families seen
 * @param hours          decayed hour-of-day histogram in the subject's local time ({@link #utcOffset})
 * @param places         the latest located place per holder (device, or token without a device), least
 *                       recent first
 * @param throttledUntil when the latest throttle this detector issued for the subject ends, epoch ms; 0 if none
 * @param revokedToken   hash of the latest token id this detector revoked for the subject; 0 if none
 * @param trails         recent network sequences per holder (device and token), least recent first
 * @param signals        signals raised recently, for corroboration, oldest first
 * @param anonymizers    bit set of the anonymous-network kinds the subject has used (bit = ordinal)
 * @param utcOffset      the subject's learned UTC offset in hours, or {@link #UNKNOWN_OFFSET}
 * @param pace           how the subject's requests arrive: visits and single-request visits ({@link Pace})
 */
public record UserProfile(long firstSeen, long lastSeen, long events, List<RouteRate> routes,
                          LastSeen<String> countries, LastSeen<Long> networks, LastSeen<Long> devices,
                          LastSeen<UaFamily> userAgents, HourHistogram hours, List<Place> places,
                          long throttledUntil, long revokedToken, List<NetworkTrail> trails,
                          List<RecentSignal> signals, int anonymizers, int utcOffset, Pace pace) {

    /** {@link #utcOffset} before any located request taught one: judged as UTC. */
    public static final int UNKNOWN_OFFSET = 99;

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
        trails = List.copyOf(trails);
        signals = List.copyOf(signals);
        if (utcOffset != UNKNOWN_OFFSET && (utcOffset < -12 || utcOffset > 14)) {
            throw new IllegalArgumentException("utc offset out of range: " + utcOffset);
        }
        Objects.requireNonNull(pace, "pace");
    }

    /**
     * The request-rate baseline of one route class.
     *
     * @param routeClass the class ({@link RouteClasses})
     * @param rate       its baseline and the interval in progress
     * @param recent     the latest finished intervals and the cumulative excess
     * @param hourly     the baseline per busy hour: what windows of an hour or more are judged by (a
     *                   light user's active hour holds far fewer requests than six busy 10-minute
     *                   intervals would suggest)
     * @param coverage   busy intervals per busy hour: how spread out the subject's activity is (a person's
     *                   visits are short; a script keeps every interval busy)
     */
    public record RouteRate(String routeClass, DecayedRate rate, RecentCounts recent, DecayedRate hourly,
                            DecayedRate coverage) {
        public RouteRate {
            Objects.requireNonNull(routeClass, "routeClass");
            Objects.requireNonNull(rate, "rate");
            Objects.requireNonNull(recent, "recent");
            Objects.requireNonNull(hourly, "hourly");
            Objects.requireNonNull(coverage, "coverage");
        }
    }

    /** Length of the hourly baseline's intervals. */
    public static final long HOUR_MILLIS = 3_600_000L;

    /** A profile that has learned nothing yet, its history starting at {@code time}. */
    public static UserProfile startingAt(long time) {
        return new UserProfile(time, time, 0, List.of(), LastSeen.none(), LastSeen.none(), LastSeen.none(),
                LastSeen.none(), HourHistogram.empty(), List.of(), 0, 0, List.of(), List.of(), 0, UNKNOWN_OFFSET,
                Pace.startingAt(time));
    }

    /** The baseline of {@code routeClass}, if one is kept. */
    public Optional<DecayedRate> rate(String routeClass) {
        return route(routeClass).map(RouteRate::rate);
    }

    /** The baseline and recent intervals of {@code routeClass}, if kept. */
    public Optional<RouteRate> route(String routeClass) {
        return routes.stream().filter(r -> r.routeClass().equals(routeClass)).findFirst();
    }

    /** The latest located place, if any. */
    public Optional<Place> lastLocated() {
        return places.isEmpty() ? Optional.empty() : Optional.of(places.get(places.size() - 1));
    }

    /** The place kept for {@code holder} (a device or token hash), if any. */
    public Optional<Place> placeOf(long holder) {
        return places.stream().filter(p -> p.holder() == holder).findFirst();
    }

    /** The network trail of {@code holder}, if any. */
    public Optional<NetworkTrail> trailOf(long holder) {
        return trails.stream().filter(t -> t.holder() == holder).findFirst();
    }

    /** Whether the subject has used an anonymous network of kind {@code ordinal} before. */
    public boolean hasUsedAnonymizer(int ordinal) {
        return (anonymizers & (1 << ordinal)) != 0;
    }

    /** The hour of day of {@code time} in the subject's local time (UTC until an offset is learned). */
    public int localHour(long time) {
        return HourHistogram.hourOf(time, utcOffset == UNKNOWN_OFFSET ? 0 : utcOffset);
    }

    /**
     * Moves the rate of {@code observation}'s route class to its interval (folding a finished interval
     * into the baseline as {@code judge} allows, and its count into the recent intervals), adding a
     * baseline for a class not kept yet. Rules judge the request against the result, before it is
     * learned.
     */
    public UserProfile rolledTo(Observation observation, ProfileSettings settings, RateJudge judge) {
        long start = settings.intervalStart(observation.time());
        long interval = settings.rateInterval().toMillis();
        double halfLife = settings.rateHalfLife().toMillis();
        int keep = judge.recentIntervals();
        List<RouteRate> next = new ArrayList<>(routes.size() + 1);
        boolean found = false;
        for (RouteRate route : routes) {
            if (route.routeClass().equals(observation.routeClass())) {
                next.add(rolled(route, start, interval, halfLife, keep, judge,
                        Math.floorDiv(observation.time(), HOUR_MILLIS) * HOUR_MILLIS));
                found = true;
            } else {
                next.add(route);
            }
        }
        if (!found) {
            long hour = Math.floorDiv(observation.time(), HOUR_MILLIS) * HOUR_MILLIS;
            next.add(new RouteRate(observation.routeClass(), DecayedRate.startingAt(start), RecentCounts.empty(keep),
                    DecayedRate.startingAt(hour), DecayedRate.startingAt(hour)));
        }
        next.sort(Comparator.comparingLong(r -> r.rate().currentStart()));
        while (next.size() > settings.limits().routeClasses()) {
            // The one counted least recently; never the one just added, which is the latest interval.
            next.remove(next.get(0).routeClass().equals(observation.routeClass()) ? 1 : 0);
        }
        Pace nextPace = pace.rolledTo(observation.time(), lastSeen, halfLife, judge.paceFoldCap(pace.daily()));
        return new UserProfile(firstSeen, lastSeen, events, next, countries, networks, devices, userAgents, hours,
                places, throttledUntil, revokedToken, trails, signals, anonymizers, utcOffset, nextPace);
    }

    private static RouteRate rolled(RouteRate route, long start, long interval, double halfLife, int keep,
                                    RateJudge judge, long hourStart) {
        DecayedRate rate = route.rate();
        DecayedRate hourly = route.hourly().rolledTo(hourStart, halfLife, judge.hourlyFoldCap(route.hourly()));
        DecayedRate coverage = route.coverage().rolledTo(hourStart, halfLife, Double.MAX_VALUE);
        if (start <= rate.currentStart()) {
            return new RouteRate(route.routeClass(), rate, route.recent(), hourly, coverage);
        }
        long steps = (start - rate.currentStart()) / interval;
        float cusum = judge.cusum(route.recent().cusum(), rate, rate.currentCount(), Math.max(0, steps - 1));
        RecentCounts recent = route.recent().shifted(steps, rate.currentCount(), keep, cusum);
        return new RouteRate(route.routeClass(), rate.rolledTo(start, halfLife, judge.foldCap(rate)), recent, hourly,
                coverage);
    }

    /** {@code observation} learned: counted in its rate (see {@link #rolledTo} first), context remembered. */
    public UserProfile learn(Observation observation, ProfileSettings settings) {
        ProfileLimits caps = settings.limits();
        long time = observation.time();
        List<RouteRate> counted = routes.stream()
                .map(r -> r.routeClass().equals(observation.routeClass())
                        ? new RouteRate(r.routeClass(), r.rate().counted(), r.recent(), r.hourly().counted(),
                        // The first request of an interval makes it busy: one more busy interval this hour.
                        r.rate().currentCount() == 0 ? r.coverage().counted() : r.coverage()) : r)
                .toList();
        // A VPN exit's country is not the user's: remembering it would make the next real visit look known.
        LastSeen<String> nextCountries = observation.country() == null || observation.isAnonymous() ? countries
                : countries.seen(observation.country(), time, caps.countries());
        LastSeen<Long> nextDevices = observation.deviceHash() == null ? devices
                : devices.seen(observation.deviceHash(), time, caps.devices());
        Integer hint = observation.offsetHint();
        int offset = hint != null ? Math.max(-12, Math.min(14, hint)) : utcOffset;
        int hour = HourHistogram.hourOf(time, offset == UNKNOWN_OFFSET ? 0 : offset);
        return new UserProfile(Math.min(firstSeen, time), Math.max(lastSeen, time),
                events == Long.MAX_VALUE ? events : events + 1, counted, nextCountries,
                networks.seen(observation.networkHash(), time, caps.networks()), nextDevices,
                userAgents.seen(observation.userAgent(), time, caps.userAgents()),
                hours.observe(time, hour, settings.hourHalfLife().toMillis()), placesWith(observation, caps),
                throttledUntil, revokedToken, trailsWith(observation, caps), signals,
                anonymizerBits(observation), offset, pace.counted());
    }

    public UserProfile withThrottledUntil(long value) {
        return new UserProfile(firstSeen, lastSeen, events, routes, countries, networks, devices, userAgents, hours,
                places, value, revokedToken, trails, signals, anonymizers, utcOffset, pace);
    }

    public UserProfile withRevokedToken(long value) {
        return new UserProfile(firstSeen, lastSeen, events, routes, countries, networks, devices, userAgents, hours,
                places, throttledUntil, value, trails, signals, anonymizers, utcOffset, pace);
    }

    /**
     * The signals raised recently: {@code raised} added, those before {@code since} dropped, one per
     * family (the latest, at the strongest weight seen within the window), at most {@code cap} kept
     * (the newest). One per family, so a long run of one signal (a volume spike on every request)
     * never pushes out the other family that corroborates it.
     */
    public UserProfile withSignals(List<RecentSignal> raised, long since, int cap) {
        List<RecentSignal> next = new ArrayList<>();
        for (RecentSignal s : signals) {
            if (s.time() >= since) {
                next.add(s);
            }
        }
        for (RecentSignal r : raised) {
            int weight = r.weight();
            for (RecentSignal s : next) {
                if (s.family() == r.family()) {
                    weight = Math.max(weight, s.weight());
                }
            }
            next.removeIf(s -> s.family() == r.family());
            next.add(new RecentSignal(r.family(), weight, r.time()));
        }
        next.sort(Comparator.comparingLong(RecentSignal::time));
        while (next.size() > cap) {
            next.remove(0);
        }
        return new UserProfile(firstSeen, lastSeen, events, routes, countries, networks, devices, userAgents, hours,
                places, throttledUntil, revokedToken, trails, next, anonymizers, utcOffset, pace);
    }

    /** The holder a request's place and trail are kept under: its device, else its token; 0 for neither. */
    public static long holderOf(Observation observation) {
        if (observation.deviceHash() != null) {
            return observation.deviceHash();
        }
        return observation.tokenHash() == null ? 0 : observation.tokenHash();
    }

    private List<Place> placesWith(Observation observation, ProfileLimits caps) {
        if (!observation.isPlace()) {
            return places;
        }
        long holder = holderOf(observation);
        List<Place> next = new ArrayList<>(places.size() + 1);
        Place here = new Place(observation.lat().floatValue(), observation.lon().floatValue(), observation.country(),
                observation.networkHash(), observation.time(),
                observation.radiusKm() == null ? 0 : Math.min(0xffff, observation.radiusKm()), holder);
        for (Place p : places) {
            if (p.holder() == holder) {
                // A late request does not move the holder back in time.
                here = observation.time() >= p.lastSeen() ? here : p;
            } else {
                next.add(p);
            }
        }
        next.add(here);
        next.sort(Comparator.comparingLong(Place::lastSeen));
        while (next.size() > caps.places()) {
            next.remove(0);
        }
        return next;
    }

    private List<NetworkTrail> trailsWith(Observation observation, ProfileLimits caps) {
        List<NetworkTrail> next = new ArrayList<>(trails);
        boolean wobbly = observation.isWobbly();
        for (Long holder : new Long[] {observation.deviceHash(), observation.tokenHash()}) {
            if (holder == null) {
                continue;
            }
            NetworkTrail trail = trailOf(holder).orElse(NetworkTrail.of(holder, NetworkTrail.clientOf(observation)));
            next.removeIf(t -> t.holder() == holder);
            next.add(trail.with(observation.networkHash(), wobbly, observation.time()));
        }
        next.sort(Comparator.comparingLong(NetworkTrail::lastSeen));
        while (next.size() > caps.trails()) {
            next.remove(0);
        }
        return next;
    }

    private int anonymizerBits(Observation observation) {
        return observation.anonymizer() == null ? anonymizers : anonymizers | (1 << observation.anonymizer().ordinal());
    }

    /** 64-bit hash of an identifier (a subject key, a device id) for bounded in-memory sets. */
    public static long hash(String value) {
        return Text.hash64(value);
    }

    /** Hash of a token id as kept in {@link #revokedToken()}; never 0, which means none. */
    public static long tokenHash(String jti) {
        long hash = Text.hash64(jti);
        return hash == 0 ? 1 : hash;
    }
}
