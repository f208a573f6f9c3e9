package io.tokenwatch.launcher;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Turns "Address already in use", which the JDK and the servers report without the port, into one
 * line that names the option and the port. Every command that listens checks its ports before it
 * starts anything (so nothing is half-started when one is taken) and maps a bind failure that still
 * happens (another process took the port in between) the same way. Stateless; thread-safe.
 */
final class Ports {

    private Ports() {
    }

    /**
     * Fails with {@code OPTION: port N is already in use (...)} when {@code port} cannot be bound on
     * {@code host} (all addresses when null). Port 0 and negative ports (none, or any free one) pass.
     */
    static void requireFree(String host, int port, String option) {
        if (port <= 0) {
            return;
        }
        InetSocketAddress address = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        try (ServerSocket socket = new ServerSocket()) {
            // Same setting as the servers that bind it next, so a port in TIME_WAIT is not refused here only.
            socket.setReuseAddress(true);
            socket.bind(address);
        } catch (IOException e) {
            throw inUse(option, port, e);
        }
    }

    /** The one-line error for a port that {@code e} could not bind. */
    static IllegalArgumentException inUse(String option, int port, IOException e) {
        String reason = e instanceof BindException && e.getMessage() != null ? e.getMessage() : e.toString();
        return new IllegalArgumentException(option + ": port " + port + " is already in use (" + reason + ")", e);
    }
}
