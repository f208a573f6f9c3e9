package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.RecentSignal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which independent signals back a finding: the signals of every finding about the request, plus
 * those the subject's requests raised within the corroboration window (remembered in the profile), by
 * {@link SignalFamily family}. It decides two things for the processor:
 *
 * <ul>
 *   <li><b>Worth an alert</b>: a {@link Signal.Strength#STRONG strong} finding, or weaker signals from
 *       at least two families at {@link Signal.Strength#MEDIUM medium} or above (a new country and a
 *       new device; an anonymous network and a new client). A lone weak signal — a new country alone,
 *       a new device alone, a new network, an odd hour — is only observed: counted, remembered for
 *       corroboration, never published.</li>
 *   <li><b>Containment allowed</b> (throttle, token or subject revocation): a strong finding with at
 *       least one signal of another family at any strength (travel plus a new device or a never-seen
 *       network; interleaving plus a never-seen network; a volume spike plus a new client), or a
 *       medium finding with a medium signal of another family. One signal never locks anyone out.</li>
 * </ul>
 *
 * Immutable; built per request.
 */
final class Corroboration {

    private final Map<SignalFamily, Signal.Strength> present;
    private final List<Signal> now;
    private final List<RecentSignal> recent;

    private Corroboration(Map<SignalFamily, Signal.Strength> present, List<Signal> now, List<RecentSignal> recent) {
        this.present = present;
        this.now = now;
        this.recent = recent;
    }

    /** The signals of {@code findings} plus {@code remembered} ones raised at or after {@code since}. */
    static Corroboration of(List<ProfileFinding> findings, List<RecentSignal> remembered, long since) {
        Map<SignalFamily, Signal.Strength> present = new EnumMap<>(SignalFamily.class);
        List<Signal> now = new ArrayList<>();
        for (ProfileFinding finding : findings) {
            for (Signal signal : finding.signals()) {
                now.add(signal);
                present.merge(signal.family(), signal.strength(), Corroboration::stronger);
            }
        }
        List<RecentSignal> recent = new ArrayList<>();
        SignalFamily[] families = SignalFamily.values();
        for (RecentSignal r : remembered) {
            if (r.time() >= since && r.family() < families.length) {
                recent.add(r);
                present.merge(families[r.family()], Signal.Strength.ofTenths(r.weight()), Corroboration::stronger);
            }
        }
        return new Corroboration(present, now, recent);
    }

    /** Whether {@code finding} should be published as an alert rather than only observed. */
    boolean worthAlert(ProfileFinding finding) {
        if (strength(finding) == Signal.Strength.STRONG) {
            return true;
        }
        long medium = present.values().stream().filter(s -> s.compareTo(Signal.Strength.MEDIUM) >= 0).count();
        boolean ownIsMedium = finding.signals().stream().anyMatch(s -> s.strength().compareTo(Signal.Strength.MEDIUM) >= 0);
        return ownIsMedium && medium >= 2;
    }

    /**
     * Whether {@code finding} may lead to containment: strong and backed by another family at any
     * strength, or medium and backed by another family at medium or above (two independent signals).
     */
    boolean allowsContainment(ProfileFinding finding) {
        Signal.Strength own = strength(finding);
        if (own == Signal.Strength.STRONG) {
            return !corroborating(finding).isEmpty();
        }
        return own == Signal.Strength.MEDIUM && corroborating(finding).stream()
                .anyMatch(f -> present.get(f).compareTo(Signal.Strength.MEDIUM) >= 0);
    }

    /** Families present besides the family of {@code finding}'s strongest signal. */
    Set<SignalFamily> corroborating(ProfileFinding finding) {
        SignalFamily own = primary(finding);
        Set<SignalFamily> others = new TreeSet<>(present.keySet());
        others.remove(own);
        return others;
    }

    /** What is remembered in the profile for the next requests: every signal raised now. */
    List<RecentSignal> toRemember(long time) {
        List<RecentSignal> out = new ArrayList<>();
        Map<SignalFamily, Signal.Strength> strongestNow = new EnumMap<>(SignalFamily.class);
        for (Signal s : now) {
            strongestNow.merge(s.family(), s.strength(), Corroboration::stronger);
        }
        strongestNow.forEach((family, strength) -> out.add(new RecentSignal(family.ordinal(), strength.tenths, time)));
        return out;
    }

    /** {@code unmapped.corroboration}: what backed the decision, for the analyst and for tuning. */
    Map<String, Object> describe(ProfileFinding finding, boolean contained) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("families", present.keySet().stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList());
        List<Map<String, Object>> signals = new ArrayList<>();
        for (Signal s : now) {
            signals.add(Map.of("name", s.name(), "family", s.family().name().toLowerCase(java.util.Locale.ROOT),
                    "strength", s.strength().name().toLowerCase(java.util.Locale.ROOT)));
        }
        out.put("signals", signals);
        out.put("recent_signals", recent.size());
        out.put("corroborated", !corroborating(finding).isEmpty());
        out.put("containment_allowed", contained);
        return out;
    }

    private static Signal.Strength strength(ProfileFinding finding) {
        return finding.signals().stream().map(Signal::strength).reduce(Signal.Strength.FAINT, Corroboration::stronger);
    }

    private static SignalFamily primary(ProfileFinding finding) {
        Signal best = null;
        for (Signal s : finding.signals()) {
            if (best == null || s.strength().compareTo(best.strength()) > 0) {
                best = s;
            }
        }
        return best == null ? null : best.family();
    }

    private static Signal.Strength stronger(Signal.Strength a, Signal.Strength b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
