package io.tokenwatch.detector.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The recent sequence of networks one holder of a subject's tokens (a device id, or a token id) used,
 * consecutive requests from one network merged into one hop: what interleaving is judged by
 * ({@code A, B, A} within minutes is two holders taking turns, even at zero distance). At most
 * {@link #MAX_HOPS} hops, newest last. Immutable.
 *
 * @param holder the device hash or token hash this trail follows
 * @param hops   the latest hops, oldest first
 * @param client the client (device id and user-agent family, {@link #clientOf}) of the holder's first
 *               request: a token is issued to one client, so the same token from another is a copy
 */
public record NetworkTrail(long holder, List<Hop> hops, long client) {

    /** Hops kept per trail: enough to see A, B, A, B. */
    public static final int MAX_HOPS = 4;

    public NetworkTrail {
        hops = List.copyOf(hops);
        if (hops.size() > MAX_HOPS) {
            throw new IllegalArgumentException("a trail keeps at most " + MAX_HOPS + " hops");
        }
    }

    /**
     * A stretch of consecutive requests from one network.
     *
     * @param network  {@link Observation#networkHash()}
     * @param wobbly   whether the network is mobile or anonymous (phones flap between Wi-Fi and mobile
     *                 data, VPNs are switched on and off), so one return there is not yet two holders
     * @param lastSeen the latest request of the stretch, epoch ms
     */
    public record Hop(long network, boolean wobbly, long lastSeen) {
    }

    /** This trail with a request from {@code network} at {@code time} appended or merged into the last hop. */
    public NetworkTrail with(long network, boolean wobbly, long time) {
        List<Hop> next = new ArrayList<>(hops);
        if (!next.isEmpty() && next.get(next.size() - 1).network() == network) {
            Hop last = next.remove(next.size() - 1);
            next.add(new Hop(network, wobbly, Math.max(time, last.lastSeen())));
        } else {
            next.add(new Hop(network, wobbly, time));
        }
        while (next.size() > MAX_HOPS) {
            next.remove(0);
        }
        return new NetworkTrail(holder, next, client);
    }

    /** The client of {@code observation} as a trail remembers it: its device id (or none) and user-agent family. */
    public static long clientOf(Observation observation) {
        long device = observation.deviceHash() == null ? 0 : observation.deviceHash();
        return device * 31 + observation.userAgent().ordinal() + 1;
    }

    public long lastSeen() {
        return hops.isEmpty() ? 0 : hops.get(hops.size() - 1).lastSeen();
    }

    public static NetworkTrail of(long holder, long client) {
        return new NetworkTrail(holder, List.of(), client);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkTrail t && t.holder == holder && Objects.equals(t.hops, hops) && t.client == client;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(holder) * 31 + hops.hashCode()) * 31 + Long.hashCode(client);
    }
}
