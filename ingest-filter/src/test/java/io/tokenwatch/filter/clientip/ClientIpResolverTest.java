package io.tokenwatch.filter.clientip;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientIpResolverTest {

    /** The load balancer and the ingress proxies live in 10.0.0.0/8 and fd00::/8. */
    private final ClientIpResolver resolver = ClientIpResolver.trusting("10.0.0.0/8", "fd00::/8");

    private static final String CLIENT = "203.0.113.9";
    private static final String EDGE = "10.0.0.1";
    private static final String INGRESS = "10.0.0.2";

    @Test
    void shouldIgnoreForwardedForFromAnUntrustedPeer() {
        // The client talks to us directly and claims to be someone else: not believed.
        assertThat(resolver.resolve(CLIENT, List.of("198.51.100.1"))).isEqualTo(CLIENT);
        assertThat(resolver.resolve(CLIENT, List.of("10.0.0.7"))).isEqualTo(CLIENT);
        assertThat(resolver.resolve(CLIENT, List.of("198.51.100.1, 10.0.0.7"))).isEqualTo(CLIENT);
    }

    @Test
    void shouldTellWhetherTheSocketPeerIsTrusted() {
        assertThat(resolver.isTrustedPeer(EDGE)).isTrue();
        assertThat(resolver.isTrustedPeer("[fd00::1]")).isTrue();
        assertThat(resolver.isTrustedPeer("::ffff:10.1.2.3")).isTrue();
        assertThat(resolver.isTrustedPeer(CLIENT)).isFalse();
        assertThat(resolver.isTrustedPeer("proxy.internal")).isFalse();
        assertThat(resolver.isTrustedPeer(null)).isFalse();
        assertThat(ClientIpResolver.socketOnly().isTrustedPeer(EDGE)).isFalse();
    }

    @Test
    void shouldUseTheSocketPeerWhenThereIsNoForwardedFor() {
        assertThat(resolver.resolve(EDGE, List.of())).isEqualTo(EDGE);
        assertThat(resolver.resolve(EDGE, null)).isEqualTo(EDGE);
    }

    @Test
    void shouldTakeTheAddressTheTrustedProxyAppended() {
        assertThat(resolver.resolve(EDGE, List.of(CLIENT))).isEqualTo(CLIENT);
    }

    @Test
    void shouldWalkAChainOfTrustedProxiesRightToLeft() {
        // client → edge (10.0.0.1) → ingress (10.0.0.2) → us; each proxy appended its peer.
        assertThat(resolver.resolve(INGRESS, List.of(CLIENT + ", " + EDGE))).isEqualTo(CLIENT);
        assertThat(resolver.resolve("10.0.0.3", List.of(CLIENT + ", " + EDGE + ", " + INGRESS))).isEqualTo(CLIENT);
    }

    @Test
    void shouldNeverBelieveWhatTheClientWroteLeftOfItsOwnAddress() {
        // The client sent "X-Forwarded-For: 198.51.100.1, 10.0.0.9" itself; the edge appended the real address.
        String header = "198.51.100.1, 10.0.0.9, " + CLIENT;

        assertThat(resolver.resolve(EDGE, List.of(header))).isEqualTo(CLIENT);
    }

    @Test
    void shouldStopAtAnEntryThatIsNotAnAddressAndBlameTheHopThatWroteIt() {
        // The ingress wrote "unknown" for its peer: the ingress is the last hop anybody vouches for.
        assertThat(resolver.resolve(EDGE, List.of("198.51.100.1, unknown, " + INGRESS))).isEqualTo(INGRESS);
        // The rightmost entry is garbage: the socket peer wrote it.
        assertThat(resolver.resolve(EDGE, List.of(CLIENT + ", garbage"))).isEqualTo(EDGE);
        // Host names are not addresses, and are never resolved.
        assertThat(resolver.resolve(EDGE, List.of("localhost"))).isEqualTo(EDGE);
        assertThat(resolver.resolve(EDGE, List.of("_hidden, " + INGRESS))).isEqualTo(INGRESS);
    }

    @Test
    void shouldNeverReachGarbageLeftOfTheClient() {
        assertThat(resolver.resolve(EDGE, List.of("unknown, <script>, " + CLIENT))).isEqualTo(CLIENT);
    }

    @Test
    void shouldTakeTheLeftmostEntryWhenEveryHopIsTrusted() {
        // A request from inside the trusted network: the origin is the leftmost, written by a trusted proxy.
        assertThat(resolver.resolve(EDGE, List.of("10.9.9.9, " + INGRESS))).isEqualTo("10.9.9.9");
    }

    @Test
    void shouldJoinSeveralHeaderLinesInOrder() {
        // RFC 9110 §5.3: two X-Forwarded-For lines are one list, first line first.
        assertThat(resolver.resolve(EDGE, List.of("198.51.100.1, " + CLIENT, INGRESS))).isEqualTo(CLIENT);
        assertThat(resolver.resolve(EDGE, List.of(CLIENT, "198.51.100.1"))).isEqualTo("198.51.100.1");
        assertThat(resolver.resolve(EDGE, List.of("198.51.100.1", CLIENT + ", " + INGRESS, "10.0.0.3")))
                .isEqualTo(CLIENT);
    }

    @Test
    void shouldIgnoreEmptyListElements() {
        assertThat(resolver.resolve(EDGE, List.of("198.51.100.1, " + CLIENT + ",, " + INGRESS + ",  "))).isEqualTo(CLIENT);
        assertThat(resolver.resolve(EDGE, List.of("", CLIENT, ""))).isEqualTo(CLIENT);
    }

    @Test
    void shouldResolveIpv6ClientsAndProxies() {
        assertThat(resolver.resolve("fd00::1", List.of("2001:DB8:0:0::1"))).isEqualTo("2001:db8::1");
        assertThat(resolver.resolve("[fd00::1]", List.of("[2001:db8::1]:443, fd00::2"))).isEqualTo("2001:db8::1");
        assertThat(resolver.resolve("fe80::1%eth0", List.of(CLIENT))).isEqualTo("fe80::1");
        assertThat(resolver.resolve("::ffff:10.0.0.1", List.of("::ffff:" + CLIENT))).isEqualTo(CLIENT);
    }

    @Test
    void shouldDropPortsOfForwardedEntries() {
        assertThat(resolver.resolve(EDGE, List.of(CLIENT + ":54321"))).isEqualTo(CLIENT);
        assertThat(resolver.resolve(EDGE, List.of("[2001:db8::7]:8443"))).isEqualTo("2001:db8::7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.9:", "203.0.113.9:99999", "203.0.113.9:x", "[2001:db8::1", "[203.0.113.9]",
            "[2001:db8::1]x", "2001:db8::1:80:", "203.0.113.9 10.0.0.2", "\"203.0.113.9\"", "203.0.113.9/32"})
    void shouldTreatMalformedEntriesAsTheEndOfTheWalk(String entry) {
        assertThat(resolver.resolve(EDGE, List.of(entry))).isEqualTo(EDGE);
    }

    @Test
    void shouldExamineAtMostMaxHopsEntries() {
        ClientIpResolver shortWalk = new ClientIpResolver(Cidr.parseAll(List.of("10.0.0.0/8")), 3);
        String header = CLIENT + ", 10.0.0.6, 10.0.0.5, 10.0.0.4, 10.0.0.3";

        assertThat(shortWalk.resolve(EDGE, List.of(header))).isEqualTo("10.0.0.5");
        assertThat(resolver.resolve(EDGE, List.of(header))).isEqualTo(CLIENT);
    }

    @Test
    void shouldTrustNobodyWithoutTrustedProxies() {
        assertThat(ClientIpResolver.socketOnly().resolve(EDGE, List.of(CLIENT))).isEqualTo(EDGE);
    }

    @Test
    void shouldRefuseASocketPeerThatIsNotAnAddress() {
        // An adapter bug, not a client's doing: fail loudly.
        assertThatThrownBy(() -> resolver.resolve("localhost", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> resolver.resolve("unknown", List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 500)
    void shouldAlwaysAnswerTheUntrustedPeerWhateverItSendsAsForwardedFor(
            @ForAll @Size(max = 4) List<@net.jqwik.api.From("headerLine") String> xForwardedFor) {
        assertThat(resolver.resolve(CLIENT, xForwardedFor)).isEqualTo(CLIENT);
    }

    @Property(tries = 500)
    void shouldAlwaysAnswerTheAddressTheTrustedProxyAppended(
            @ForAll @Size(max = 3) List<@net.jqwik.api.From("headerLine") String> sentByClient) {
        // Whatever the client wrote, the edge proxy appends the client's socket address as a new line.
        List<String> received = new ArrayList<>(sentByClient);
        received.add(CLIENT);

        assertThat(resolver.resolve(EDGE, received)).isEqualTo(CLIENT);
    }

    @Provide
    Arbitrary<String> headerLine() {
        Arbitrary<String> entry = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 255).list().ofSize(4)
                        .map(o -> o.get(0) + "." + o.get(1) + "." + o.get(2) + "." + o.get(3)),
                Arbitraries.of("10.0.0.1", "10.0.0.2", "fd00::1", "unknown", "", "[2001:db8::1]:443", "localhost"),
                Arbitraries.strings().ofMaxLength(20));
        return entry.list().ofMaxSize(5).map(parts -> String.join(", ", parts));
    }
}
