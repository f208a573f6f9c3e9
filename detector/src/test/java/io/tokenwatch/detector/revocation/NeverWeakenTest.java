package io.tokenwatch.detector.revocation;

import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Revocation.Action;
import io.tokenwatch.schemas.Revocation.Scope;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule alone, without Kafka: what is published under a key given what the topic holds there. */
class NeverWeakenTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final long MINUTE = 60_000L;
    private static final String ISSUER = "https://issuer.example";

    private static Revocation ip(String address, Action action, long expiresAt, String source) {
        return new Revocation(Revocation.SCHEMA_VERSION, Scope.IP, null, address, action, null, expiresAt,
                "forged_token_burst", source, NOW - MINUTE);
    }

    private static Revocation ours(Action action, long expiresAt) {
        return ip("203.0.113.9", action, expiresAt, "incident-1");
    }

    private static Revocation theirs(Action action, long expiresAt) {
        return ip("203.0.113.9", action, expiresAt, "operator:alice");
    }

    private static Revocation subject(long notBefore, long expiresAt, String source) {
        return new Revocation(Revocation.SCHEMA_VERSION, Scope.SUBJECT, ISSUER, "alice", Action.BLOCK, notBefore,
                expiresAt, "revoked_token_use", source, NOW - MINUTE);
    }

    private static Optional<Revocation> publish(Revocation issued, Revocation latest) {
        return NeverWeaken.toPublish(issued, LatestRevocations.Latest.of(latest, NOW), NOW);
    }

    @Test
    void shouldRankBlockAboveStepUpAboveThrottle() {
        assertThat(NeverWeaken.strength(Action.BLOCK)).isGreaterThan(NeverWeaken.strength(Action.STEP_UP));
        assertThat(NeverWeaken.strength(Action.STEP_UP)).isGreaterThan(NeverWeaken.strength(Action.THROTTLE));
    }

    @Test
    void shouldPublishAsIssuedOverNothing() {
        Revocation issued = ours(Action.THROTTLE, NOW + MINUTE);
        assertThat(NeverWeaken.toPublish(issued, LatestRevocations.Latest.ABSENT, NOW)).containsSame(issued);
    }

    @Test
    void shouldPublishAsIssuedOverAVoidEntryHoweverStrongItWas() {
        Revocation issued = ours(Action.THROTTLE, NOW + MINUTE);
        assertThat(publish(issued, theirs(Action.BLOCK, NOW))).containsSame(issued);
    }

    @Test
    void shouldPublishNothingWhenTheLiveEntryCoversOurs() {
        assertThat(publish(ours(Action.BLOCK, NOW + 5 * MINUTE), theirs(Action.BLOCK, NOW + 120 * MINUTE))).isEmpty();
        assertThat(publish(ours(Action.THROTTLE, NOW + 5 * MINUTE), theirs(Action.STEP_UP, NOW + 5 * MINUTE)))
                .as("equal expiry, stronger action").isEmpty();
        Revocation same = ours(Action.BLOCK, NOW + 5 * MINUTE);
        assertThat(publish(same, same)).as("a repeat of what the topic holds").isEmpty();
    }

    @Test
    void shouldPublishAsIssuedWhenOursCoversTheLiveEntry() {
        Revocation issued = ours(Action.BLOCK, NOW + 20 * MINUTE);
        assertThat(publish(issued, theirs(Action.THROTTLE, NOW + 5 * MINUTE))).containsSame(issued);
    }

    @Test
    void shouldMergeToTheStrongerActionAndTheLaterExpiry() {
        Revocation merged = publish(ours(Action.STEP_UP, NOW + 5 * MINUTE), theirs(Action.THROTTLE, NOW + 120 * MINUTE))
                .orElseThrow();

        assertThat(merged.action()).isEqualTo(Action.STEP_UP);
        assertThat(merged.expiresAt()).isEqualTo(NOW + 120 * MINUTE);
        assertThat(merged.key()).isEqualTo("ip|203.0.113.9");
        assertThat(merged.source()).isEqualTo("incident-1");
        assertThat(merged.reason()).isEqualTo("forged_token_burst; merged with operator:alice");
        assertThat(merged.createdAt()).isEqualTo(NOW);
        assertThat(merged.notBefore()).isNull();

        Revocation weaker = publish(ours(Action.THROTTLE, NOW + 120 * MINUTE), theirs(Action.BLOCK, NOW + MINUTE))
                .orElseThrow();
        assertThat(weaker.action()).as("the live block is kept").isEqualTo(Action.BLOCK);
        assertThat(weaker.expiresAt()).isEqualTo(NOW + 120 * MINUTE);
    }

    @Test
    void shouldKeepTheLaterSubjectCutoffAndTheLaterExpiry() {
        Revocation merged = publish(subject(NOW, NOW + 24 * 60 * MINUTE, "incident-1"),
                subject(NOW + 10 * MINUTE, NOW + 60 * MINUTE, "operator:bob")).orElseThrow();
        assertThat(merged.notBefore()).isEqualTo(NOW + 10 * MINUTE);
        assertThat(merged.expiresAt()).isEqualTo(NOW + 24 * 60 * MINUTE);

        assertThat(publish(subject(NOW, NOW + 60 * MINUTE, "incident-1"),
                subject(NOW + 10 * MINUTE, NOW + 60 * MINUTE, "operator:bob")))
                .as("a later cutoff, the same expiry: it covers ours").isEmpty();
        Revocation laterCutoff = subject(NOW + 10 * MINUTE, NOW + 60 * MINUTE, "incident-1");
        assertThat(publish(laterCutoff, subject(NOW, NOW + 60 * MINUTE, "operator:bob")))
                .as("our later cutoff covers theirs").containsSame(laterCutoff);
    }

    @Test
    void shouldIgnoreNotBeforeOutsideSubjectScope() {
        Revocation withCutoff = new Revocation(Revocation.SCHEMA_VERSION, Scope.IP, null, "203.0.113.9",
                Action.BLOCK, NOW + 60 * MINUTE, NOW + 5 * MINUTE, "r", "incident-1", NOW - MINUTE);
        assertThat(publish(withCutoff, theirs(Action.BLOCK, NOW + 120 * MINUTE))).isEmpty();
    }

    @Test
    void shouldPublishOverGarbageButNotOverALaterVersionItCannotRead() {
        Revocation issued = ours(Action.BLOCK, NOW + 5 * MINUTE);
        assertThat(NeverWeaken.toPublish(issued, LatestRevocations.Latest.GARBAGE, NOW)).as("garbage")
                .containsSame(issued);

        assertThat(LatestRevocations.declaresLaterVersion(new byte[] {0x00, (byte) 0xff, 'x'})).isFalse();
        assertThat(LatestRevocations.declaresLaterVersion("{\"schema_version\":1,\"scope\":7}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).as("this version, broken").isFalse();
        assertThat(LatestRevocations.declaresLaterVersion(("{\"schema_version\":" + (Revocation.SCHEMA_VERSION + 1)
                + ",\"until\":\"forever\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .as("a later version").isTrue();
    }

    @Test
    void shouldNeverOverwriteALiveValueWhoseTermsAreUnknown() {
        Revocation issued = ours(Action.BLOCK, NOW + 5 * MINUTE);
        assertThat(NeverWeaken.toPublish(issued, LatestRevocations.Latest.UNREADABLE, NOW)).as("unreadable").isEmpty();

        Revocation later = new Revocation(Revocation.SCHEMA_VERSION + 1, Scope.IP, null, "203.0.113.9",
                Action.THROTTLE, null, NOW + MINUTE, "r", "s", NOW - MINUTE);
        assertThat(publish(issued, later)).as("a later contract version").isEmpty();

        assertThat(publish(issued, ip("198.51.100.7", Action.THROTTLE, NOW + MINUTE, "s")))
                .as("content that does not belong under the key").isEmpty();
    }

    @Test
    void shouldNotPublishAVoidRevocationOverALiveOne() {
        assertThat(publish(ours(Action.BLOCK, NOW - 1), theirs(Action.THROTTLE, NOW + 120 * MINUTE))).isEmpty();
        Revocation stale = ours(Action.BLOCK, NOW - 1);
        assertThat(NeverWeaken.toPublish(stale, LatestRevocations.Latest.ABSENT, NOW))
                .as("over nothing, as before: the next punctuation lifts it").containsSame(stale);
    }

    @Test
    void shouldBoundTheMergedReasonAndKeepItOnOneLine() {
        String longSource = "operator:" + "x".repeat(500) + "\nInjected: line";
        Revocation merged = publish(ours(Action.BLOCK, NOW + 5 * MINUTE),
                ip("203.0.113.9", Action.THROTTLE, NOW + 120 * MINUTE, longSource)).orElseThrow();

        assertThat(merged.reason()).startsWith("forged_token_burst; merged with operator:xxx").endsWith("…")
                .doesNotContain("\n");
        assertThat(merged.reason().length()).isLessThanOrEqualTo(NeverWeaken.MAX_REASON_LENGTH);

        Revocation control = publish(ours(Action.BLOCK, NOW + 5 * MINUTE),
                ip("203.0.113.9", Action.THROTTLE, NOW + 120 * MINUTE, "op\r\nInjected")).orElseThrow();
        assertThat(control.reason()).isEqualTo("forged_token_burst; merged with op  Injected");
    }
}
