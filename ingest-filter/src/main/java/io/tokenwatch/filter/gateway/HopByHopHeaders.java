package io.tokenwatch.filter.gateway;

import io.micronaut.http.HttpVersion;
import io.micronaut.http.MutableHttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Removes the headers that describe one connection rather than the message (RFC 9110 §7.6.1), so
 * they never cross the proxy in either direction: {@code Connection} and every field it names,
 * {@code Keep-Alive}, {@code Proxy-Authenticate}, {@code Proxy-Authorization}, {@code TE},
 * {@code Trailer}, {@code Transfer-Encoding} and {@code Upgrade}. Framing is the HTTP client's and
 * server's business on each side: they set {@code Transfer-Encoding} or {@code Content-Length} for the
 * body they actually send.
 *
 * <p>Stateless and thread-safe.
 */
public final class HopByHopHeaders {

    /** RFC 9110 §7.6.1 and RFC 9112 §9.6 / §6.1; lower-case. */
    public static final Set<String> STANDARD = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
            // Obsolete but still sent by some clients (RFC 2068 §19.7.1).
            "proxy-connection");

    private HopByHopHeaders() {
    }

    /** Removes every hop-by-hop header from {@code headers}, the ones named in {@code Connection} first. */
    public static void strip(MutableHttpHeaders headers) {
        for (String name : namedInConnection(headers.getAll("Connection"))) {
            headers.remove(name);
        }
        for (String name : STANDARD) {
            headers.remove(name);
        }
    }

    /**
     * True if the client asked for its connection to end after this exchange: {@code Connection: close}
     * on HTTP/1.1, or HTTP/1.0 without {@code keep-alive} (RFC 9112 §9.3).
     */
    public static boolean wantsClose(HttpVersion version, List<String> connectionValues) {
        if (version == HttpVersion.HTTP_2_0) {
            return false;
        }
        boolean close = false;
        boolean keepAlive = false;
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String option = token.strip().toLowerCase(Locale.ROOT);
                close |= option.equals("close");
                keepAlive |= option.equals("keep-alive");
            }
        }
        return close || (version == HttpVersion.HTTP_1_0 && !keepAlive);
    }

    /** The field names listed in {@code Connection} values (RFC 9110 §7.6.1: a comma-separated list of tokens). */
    static List<String> namedInConnection(List<String> connectionValues) {
        List<String> names = new ArrayList<>();
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String name = token.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !name.equals("close") && !name.equals("keep-alive")) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
