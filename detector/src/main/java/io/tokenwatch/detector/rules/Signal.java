package io.tokenwatch.detector.rules;

import java.util.Objects;

/**
 * One piece of evidence a rule found about a request: its name (e.g. {@code new_device}), its
 * {@link SignalFamily family} and how much it weighs. Immutable.
 *
 * @param name     stable name, as in alerts ({@code unmapped.corroboration})
 * @param family   which independent kind of evidence it is
 * @param strength how much it weighs on its own
 */
public record Signal(String name, SignalFamily family, Strength strength) {

    /** How much a signal weighs on its own. */
    public enum Strength {
        /** Common in honest traffic (a new café network, an odd hour): only ever corroborates. */
        FAINT(5),
        /** Unusual but honest now and then (a new country, a new device): alerts with another medium signal. */
        MEDIUM(10),
        /** Strong evidence (impossible travel, interleaving, a volume far off baseline): alerts on its own. */
        STRONG(20);

        /** Weight in tenths, as remembered in profiles. */
        final int tenths;

        Strength(int tenths) {
            this.tenths = tenths;
        }

        static Strength ofTenths(int tenths) {
            return tenths >= STRONG.tenths ? STRONG : tenths >= MEDIUM.tenths ? MEDIUM : FAINT;
        }
    }

    public Signal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(strength, "strength");
    }
}
