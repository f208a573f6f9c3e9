package io.tokenwatch.filter.revocation;

import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Revocation.Action;
import io.tokenwatch.schemas.Revocation.Scope;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;

class RevocationViewTest {

    private static final String IP = "198.51.100.7";
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final String FINGERPRINT = "0".repeat(64);

    private final RevocationView view = new RevocationView(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldRevokeOnlyTheTokenWithTheRevokedJti() {
        apply(blockJti("jti-1"));

        assertThat(view.check(token("alice", "jti-1", NOW.minusSeconds(60)), IP)).contains(RevocationView.Match.TOKEN);
        assertThat(view.check(token("alice", "jti-2", NOW.minusSeconds(60)), IP)).isEmpty();
        assertThat(view.check(token("alice", null, NOW.minusSeconds(60)), IP)).isEmpty();
    }

    @Test
    void shouldMatchJtiOnlyUnderItsIssuer() {
        apply(blockJti("jti-1"));

        TokenClaims otherIssuer = new TokenClaims(FINGERPRINT, true, "RS256", "k", "jti-1", "alice",
                "https://other-issuer.test", List.of("api"), NOW, NOW.plusSeconds(300), null);

        assertThat(view.check(otherIssuer, IP)).isEmpty();
    }

    @Test
    void shouldRevokeSubjectTokensIssuedAtOrBeforeTheCutoff() {
        Instant cutoff = NOW.minusSeconds(30);
        apply(blockSubject("alice", cutoff));

        assertThat(view.check(token("alice", "a", cutoff.minusSeconds(1)), IP)).contains(RevocationView.Match.SUBJECT);
        // DESIGN.md §3: "issued at or before T", so iat == T is revoked too.
        assertThat(view.check(token("alice", "b", cutoff), IP)).contains(RevocationView.Match.SUBJECT);
        assertThat(view.check(token("alice", "c", cutoff.plusSeconds(1)), IP)).isEmpty();
        assertThat(view.check(token("bob", "d", cutoff.minusSeconds(1)), IP)).isEmpty();
    }

    @Test
    void shouldRevokeSubjectTokenWithoutIat() {
        apply(blockSubject("alice", NOW.minusSeconds(30)));

        // Without iat a token cannot show it was issued after the cutoff.
        assertThat(view.check(token("alice", "a", null), IP)).contains(RevocationView.Match.SUBJECT);
    }

    @Test
    void shouldStopMatchingEntriesPastTheirExpiry() {
        long created = NOW.minus(Duration.ofHours(2)).toEpochMilli();
        apply(Revocation.blockToken(ISSUER, "jti-1", NOW.toEpochMilli(), "test", "operator", created));
        apply(new Revocation(Revocation.SCHEMA_VERSION, Scope.SUBJECT, ISSUER, "alice", Action.BLOCK,
                NOW.toEpochMilli(), NOW.minusMillis(1).toEpochMilli(), "test", "operator", created));
        apply(new Revocation(Revocation.SCHEMA_VERSION, Scope.IP, null, IP, Action.BLOCK, null,
                NOW.minusMillis(1).toEpochMilli(), "test", "operator", created));

        // expires_at is the first instant the entry no longer applies, and the clock stands on it.
        assertThat(view.check(token("alice", "jti-1", NOW.minusSeconds(60)), IP)).isEmpty();
        assertThat(view.size()).isEqualTo(3);
    }

    @Test
    void shouldMatchEntriesUntilTheirExpiry() {
        Instant expiry = NOW.plusSeconds(1);
        RevocationView later = new RevocationView(Clock.fixed(expiry, ZoneOffset.UTC));
        Revocation revocation = Revocation.blockToken(ISSUER, "jti-1", expiry.toEpochMilli(), "test", "op",
                NOW.minusSeconds(60).toEpochMilli());
        view.apply(revocation.key(), revocation);
        later.apply(revocation.key(), revocation);

        assertThat(view.check(token("alice", "jti-1", NOW), IP)).isPresent();
        assertThat(later.check(token("alice", "jti-1", NOW), IP)).isEmpty();
    }

    @Test
    void shouldLiftRevocationOnTombstone() {
        Revocation jti = blockJti("jti-1");
        Revocation subject = blockSubject("alice", NOW);
        Revocation ip = blockIp(IP);
        apply(jti);
        apply(subject);
        apply(ip);

        assertThat(view.apply(jti.key(), null)).isTrue();
        assertThat(view.apply(subject.key(), null)).isTrue();
        assertThat(view.apply(ip.key(), null)).isTrue();

        assertThat(view.check(token("alice", "jti-1", NOW.minusSeconds(60)), IP)).isEmpty();
        assertThat(view.size()).isZero();
        // A tombstone for something never revoked changes nothing.
        assertThat(view.apply("jti|" + ISSUER + "|never", null)).isFalse();
    }

    @Test
    void shouldLetALaterRecordReplaceAnEarlierOneForTheSameKey() {
        apply(blockSubject("alice", NOW.minusSeconds(100)));
        apply(blockSubject("alice", NOW.minusSeconds(10)));

        assertThat(view.size()).isOne();
        assertThat(view.check(token("alice", "a", NOW.minusSeconds(50)), IP)).contains(RevocationView.Match.SUBJECT);
    }

    @Test
    void shouldIgnoreMisKeyedRecords() {
        Revocation aliceToken = blockJti("jti-1");

        // Keyed as another token: neither that token nor this one may be blocked by it.
        assertThat(view.apply("jti|" + ISSUER + "|jti-2", aliceToken)).isFalse();
        assertThat(view.apply("sub|" + ISSUER + "|alice", aliceToken)).isFalse();
        assertThat(view.apply("ip|" + IP, aliceToken)).isFalse();
        assertThat(view.apply("garbage", aliceToken)).isFalse();

        assertThat(view.size()).isZero();
        assertThat(view.check(token("alice", "jti-1", NOW), IP)).isEmpty();
        assertThat(view.check(token("alice", "jti-2", NOW), IP)).isEmpty();
    }

    @Test
    void shouldNotLetAMisKeyedRecordShadowAnExistingEntry() {
        apply(blockJti("jti-2"));

        // A record for jti-1 published under jti-2's key must not replace (and so weaken) jti-2's entry.
        Revocation shortLived = Revocation.blockToken(ISSUER, "jti-1", NOW.plusMillis(1).toEpochMilli(), "x", "y",
                NOW.minusSeconds(1).toEpochMilli());
        assertThat(view.apply("jti|" + ISSUER + "|jti-2", shortLived)).isFalse();

        assertThat(view.check(token("alice", "jti-2", NOW), IP)).contains(RevocationView.Match.TOKEN);
    }

    @Test
    void shouldBlockExactIpOnly() {
        apply(blockIp(IP));

        assertThat(view.check(token("alice", "a", NOW), IP)).contains(RevocationView.Match.IP);
        assertThat(view.check(token("alice", "a", NOW), "198.51.100.70")).isEmpty();
        assertThat(view.check(token("alice", "a", NOW), "198.51.100.8")).isEmpty();
        assertThat(view.check(token("alice", "a", NOW), null)).isEmpty();
        // An address block covers any request from there, with or without claims.
        assertThat(view.check(null, IP)).contains(RevocationView.Match.IP);
    }

    @Test
    void shouldBlockEveryAddressOfABlockedNetworkAndLiftItOnTombstone() {
        assertThat(view.apply("ip|198.51.100.0/24", blockIp("198.51.100.0/24"))).isTrue();

        assertThat(view.isBlocked("198.51.100.200")).isTrue();
        assertThat(view.check(token("alice", "a", NOW), "198.51.100.1")).contains(RevocationView.Match.IP);
        assertThat(view.isBlocked("198.51.101.1")).isFalse();
        assertThat(view.isBlocked("2001:db8::1")).isFalse();

        assertThat(view.apply("ip|198.51.100.0/24", null)).isTrue();
        assertThat(view.isBlocked("198.51.100.200")).isFalse();
    }

    @Test
    void shouldBlockIpv6NetworksAndRefuseAmbiguousCidrs() {
        assertThat(view.apply("ip|2001:db8:1::/48", blockIp("2001:db8:1::/48"))).isTrue();
        assertThat(view.isBlocked("2001:db8:1:ffff::7")).isTrue();
        assertThat(view.isBlocked("2001:db8:2::7")).isFalse();

        // Host bits set: which network was meant is unclear, so nothing is guessed.
        assertThat(view.apply("ip|10.0.0.1/8", blockIp("10.0.0.1/8"))).isFalse();
        assertThat(view.isBlocked("10.1.2.3")).isFalse();
    }

    @Test
    void shouldIgnoreActionsOtherThanBlock() {
        Revocation throttle = new Revocation(Revocation.SCHEMA_VERSION, Scope.JTI, ISSUER, "jti-1", Action.THROTTLE,
                null, NOW.toEpochMilli() + HOUR, "test", "op", NOW.toEpochMilli() - 1);

        assertThat(view.apply(throttle.key(), throttle)).isFalse();
        assertThat(view.check(token("alice", "jti-1", NOW), IP)).isEmpty();
    }

    @Test
    void shouldMatchNothingForClaimsWithoutIssuer() {
        apply(blockJti("jti-1"));
        TokenClaims noIssuer = new TokenClaims(FINGERPRINT, true, "RS256", null, "jti-1", "alice", null, List.of(),
                NOW, null, null);

        assertThat(view.check(noIssuer, "203.0.113.1")).isEmpty();
    }

    @Test
    void shouldHandThrottleRecordsToTheListenersInsteadOfBlocking() {
        RecordingListener listener = new RecordingListener();
        view.onThrottle(listener);
        Revocation subject = throttleSubject("alice");
        Revocation address = throttleIp(IP);

        assertThat(view.apply(subject.key(), subject)).isTrue();
        assertThat(view.apply(address.key(), address)).isTrue();

        assertThat(listener.events).containsExactly(
                "throttled sub|" + ISSUER + "|alice until " + (NOW.toEpochMilli() + HOUR),
                "throttled ip|" + IP + " until " + (NOW.toEpochMilli() + HOUR));
        assertThat(listener.throttles.get(0).issuer()).isEqualTo(ISSUER);
        assertThat(listener.throttles.get(0).value()).isEqualTo("alice");
        // A throttle tightens limits; it never refuses on its own.
        assertThat(view.check(token("alice", "a", NOW.minusSeconds(60)), IP)).isEmpty();
        assertThat(view.isBlocked(IP)).isFalse();
        assertThat(view.size()).isEqualTo(2);
    }

    @Test
    void shouldLiftAThrottleOnItsTombstone() {
        RecordingListener listener = new RecordingListener();
        view.onThrottle(listener);
        Revocation subject = throttleSubject("alice");
        apply(subject);

        assertThat(view.apply(subject.key(), null)).isTrue();

        assertThat(listener.events).containsExactly(
                "throttled sub|" + ISSUER + "|alice until " + (NOW.toEpochMilli() + HOUR),
                "lifted sub|" + ISSUER + "|alice");
        assertThat(view.size()).isZero();
        assertThat(view.apply(subject.key(), null)).isFalse();
    }

    @Test
    void shouldLetTheLastRecordUnderAKeyWinWhateverItsAction() {
        RecordingListener listener = new RecordingListener();
        view.onThrottle(listener);

        // Block → throttle: the detector de-escalated; compaction will keep only the throttle, so do we.
        apply(blockIp(IP));
        apply(throttleIp(IP));
        assertThat(view.isBlocked(IP)).isFalse();
        assertThat(view.size()).isOne();

        // Throttle → block: the throttle ends and the block holds.
        apply(blockIp(IP));
        assertThat(view.isBlocked(IP)).isTrue();
        assertThat(view.size()).isOne();
        assertThat(listener.events).containsExactly(
                "throttled ip|" + IP + " until " + (NOW.toEpochMilli() + HOUR), "lifted ip|" + IP);
    }

    @Test
    void shouldReplayLiveThrottlesToAListenerRegisteredLater() {
        apply(throttleSubject("alice"));
        apply(new Revocation(Revocation.SCHEMA_VERSION, Scope.SUBJECT, ISSUER, "bob", Action.THROTTLE,
                NOW.toEpochMilli(), NOW.toEpochMilli(), "over", "op", NOW.toEpochMilli() - HOUR));
        RecordingListener late = new RecordingListener();

        view.onThrottle(late);

        // bob's throttle expired at NOW: not replayed.
        assertThat(late.events).containsExactly("throttled sub|" + ISSUER + "|alice until " + (NOW.toEpochMilli() + HOUR));
    }

    @Test
    void shouldIgnoreThrottlesNoBucketCanEnforce() {
        RecordingListener listener = new RecordingListener();
        view.onThrottle(listener);
        apply(blockIp(IP));

        assertThat(view.apply("ip|198.51.100.0/24", throttleIp("198.51.100.0/24"))).isFalse();
        Revocation stepUp = new Revocation(Revocation.SCHEMA_VERSION, Scope.IP, null, IP, Action.STEP_UP, null,
                NOW.toEpochMilli() + HOUR, "test", "op", NOW.toEpochMilli() - 1);
        assertThat(view.apply(stepUp.key(), stepUp)).isFalse();

        assertThat(listener.events).isEmpty();
        // An unenforceable record leaves the existing entry as it was.
        assertThat(view.isBlocked(IP)).isTrue();
    }

    @Test
    void shouldKeepNotifyingOtherListenersWhenOneFails() {
        RecordingListener healthy = new RecordingListener();
        view.onThrottle(new ThrottleListener() {
            @Override
            public void throttled(Throttle throttle) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void lifted(Throttle throttle) {
                throw new IllegalStateException("boom");
            }
        });
        view.onThrottle(healthy);

        apply(throttleSubject("alice"));

        assertThat(healthy.events).hasSize(1);
    }

    private void apply(Revocation revocation) {
        assertThat(view.apply(revocation.key(), revocation)).isTrue();
    }

    private static Revocation blockJti(String jti) {
        return Revocation.blockToken(ISSUER, jti, NOW.toEpochMilli() + HOUR, "test", "operator",
                NOW.toEpochMilli() - 1);
    }

    private static Revocation blockSubject(String subject, Instant notBefore) {
        return new Revocation(Revocation.SCHEMA_VERSION, Scope.SUBJECT, ISSUER, subject, Action.BLOCK,
                notBefore.toEpochMilli(), NOW.toEpochMilli() + HOUR, "test", "operator", NOW.toEpochMilli() - 1);
    }

    private static Revocation blockIp(String address) {
        return new Revocation(Revocation.SCHEMA_VERSION, Scope.IP, null, address, Action.BLOCK, null,
                NOW.toEpochMilli() + HOUR, "test", "operator", NOW.toEpochMilli() - 1);
    }

    private static Revocation throttleSubject(String subject) {
        return new Revocation(Revocation.SCHEMA_VERSION, Scope.SUBJECT, ISSUER, subject, Action.THROTTLE,
                NOW.toEpochMilli(), NOW.toEpochMilli() + HOUR, "burst", "alert-1", NOW.toEpochMilli() - 1);
    }

    private static Revocation throttleIp(String address) {
        return new Revocation(Revocation.SCHEMA_VERSION, Scope.IP, null, address, Action.THROTTLE, null,
                NOW.toEpochMilli() + HOUR, "forged-token burst", "alert-2", NOW.toEpochMilli() - 1);
    }

    /** Writes down what it is told, in order. */
    private static final class RecordingListener implements ThrottleListener {
        final List<String> events = new ArrayList<>();
        final List<Throttle> throttles = new ArrayList<>();

        @Override
        public void throttled(Throttle throttle) {
            throttles.add(throttle);
            events.add("throttled " + throttle.key() + " until " + throttle.expiresAt());
        }

        @Override
        public void lifted(Throttle throttle) {
            events.add("lifted " + throttle.key());
        }
    }

    private static TokenClaims token(String subject, String jti, Instant issuedAt) {
        return new TokenClaims(FINGERPRINT, true, "RS256", "rs-1", jti, subject, ISSUER, List.of("tokenwatch-api"),
                issuedAt, NOW.plusSeconds(300), null);
    }
}
