package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** Lifetime outliers per issuer: learned, judged for newcomers only, alert only. */
class AnomalousTokenLifetimeTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;

    @TempDir
    Path stateDir;

    private DetectorDriver detector;
    private int tokens;

    @BeforeEach
    void setUp() {
        detector = DetectorDriver.start(stateDir);
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private void restartWith(UnaryOperator<DetectorConfig> settings) {
        detector.close();
        detector = DetectorDriver.start(stateDir.resolve("custom"), settings);
    }

    /** A new token of {@code subject} for {@code aud}, issued at {@code iat}, living {@code lifetime}, used at {@code at}. */
    private TokenUsageEvent token(String subject, String aud, long iat, long lifetime, long at) {
        TokenUsageEvent event = UsageEvents.accepted().subject(subject).jti("t" + tokens).at(at).build();
        event = TokenEdits.fingerprint(TokenEdits.lifetime(event, iat, iat + lifetime), ++tokens);
        return TokenEdits.audience(event, aud);
    }

    /** {@code users} subjects each using one fresh token of {@code lifetime} for {@code aud}, starting at {@code start}. */
    private void learn(int users, String aud, long lifetime, long start) {
        for (int u = 0; u < users; u++) {
            long at = start + u * SECOND;
            // Used within seconds to a few minutes of issue, as clients do.
            detector.send(token("user-" + u, aud, at - (u % 7) * 20 * SECOND, lifetime, at));
        }
    }

    private List<Alert> outlierAlerts() {
        return detector.alerts().stream().map(kv -> kv.value)
                .filter(a -> a.findingInfo().types().contains(AnomalousTokenProcessor.LIFETIME_OUTLIER)
                        || a.findingInfo().types().contains(AnomalousTokenProcessor.STALE_TOKEN))
                .toList();
    }

    @Test
    void shouldAlertOnANewcomersTokenLivingFarLongerThanItsIssuersAndContainNothing() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(config.userProfile()
                .response().with(AnomalousTokenRule.NAME, null, ResponseAction.REVOKE_TOKEN,
                        ResponseAction.REVOKE_SUBJECT))));
        learn(1000, "api", HOUR, T0);
        detector.alerts();

        long at = T0 + 2 * HOUR;
        detector.send(token("mallory", "api", at - MINUTE, 12 * HOUR, at));

        List<Alert> alerts = outlierAlerts();
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.findingInfo().types()).containsExactly(AnomalousTokenRule.NAME,
                    AnomalousTokenProcessor.LIFETIME_OUTLIER);
            assertThat(alert.actor().user().uid()).isEqualTo("https://issuer.example|mallory");
            assertThat(alert.message()).isEqualTo("Subject mallory: token lifetime 12 h for a subject never seen "
                    + "before; the issuer's p99 is about 86 min");
            assertThat((java.util.Map<String, Object>) alert.unmapped().get("response")).containsEntry("actions", List.of("alert"))
                    .containsEntry("issued", List.of());
            Contracts.assertConforms(alert);
        });
        assertThat(detector.revocations()).as("alert only, whatever the policy says").isEmpty();
    }

    @Test
    void shouldNotJudgeSubjectsAlreadySeenNorBeforeTheLearningMinimum() {
        learn(500, "api", HOUR, T0);
        long at = T0 + HOUR;
        detector.send(token("early-bird", "api", at - MINUTE, 12 * HOUR, at));
        assertThat(outlierAlerts()).as("500 tokens: still learning").isEmpty();

        learn(600, "api", HOUR, T0 + 2 * HOUR);
        detector.send(token("user-3", "api", at + 3 * HOUR - MINUTE, 12 * HOUR, at + 3 * HOUR));
        assertThat(outlierAlerts()).as("user-3 is no newcomer").isEmpty();
    }

    @Test
    void shouldStayQuietForNewJoinersWithOrdinaryTokensAndHourlyRotation() {
        learn(1000, "api", HOUR, T0);
        // 200 new joiners, then everyone rotates hourly for six hours, tokens used up to 10 min after issue.
        for (int hour = 1; hour <= 6; hour++) {
            for (int u = 0; u < 1200; u += 3) {
                long at = T0 + hour * HOUR + u * SECOND;
                detector.send(token("user-" + u, "api", at - (u % 11) * MINUTE, HOUR, at));
            }
        }
        assertThat(outlierAlerts()).isEmpty();
    }

    @Test
    void shouldLearnEachAudienceOnItsOwn() {
        learn(1000, "api", HOUR, T0);
        learn(1000, "reports", 12 * HOUR, T0 + HOUR);
        long at = T0 + 3 * HOUR;
        detector.send(token("analyst", "reports", at - MINUTE, 12 * HOUR, at));
        assertThat(outlierAlerts()).as("12 h is normal for reports").isEmpty();
        detector.send(token("intruder", "api", at - MINUTE, 12 * HOUR, at));
        assertThat(outlierAlerts()).hasSize(1);
    }

    @Test
    void shouldAlertOnANewcomersTokenIssuedLongBeforeItsFirstUse() {
        learn(1000, "api", 8 * HOUR, T0);
        long at = T0 + 4 * HOUR;
        detector.send(token("sleeper", "api", at - 3 * HOUR, 8 * HOUR, at));

        assertThat(outlierAlerts()).singleElement().satisfies(alert -> {
            assertThat(alert.findingInfo().types()).containsExactly(AnomalousTokenRule.NAME,
                    AnomalousTokenProcessor.STALE_TOKEN);
            assertThat(alert.message()).startsWith("Subject sleeper: age at first use 3 h for a subject never seen");
        });
    }

    @Test
    void shouldKeepFixedSizeStatePerIssuerFlushedOnWallClock() {
        learn(1000, "api", HOUR, T0);
        assertThat(detector.<IssuerLifetimes>store(AnomalousTokenProcessor.LIFETIMES_STORE)
                .get("https://issuer.example api")).as("not flushed yet").isNull();
        detector.advanceWallClock(Duration.ofMinutes(1));
        IssuerLifetimes learned = detector.<IssuerLifetimes>store(AnomalousTokenProcessor.LIFETIMES_STORE)
                .get("https://issuer.example api");
        assertThat(learned.tokens()).isEqualTo(1000);
        assertThat(learned.lifetimes()).hasSize(IssuerLifetimes.BUCKETS);
        assertThat(detector.<SeenSubject>store(AnomalousTokenProcessor.SUBJECTS_STORE)
                .get("https://issuer.example|user-1")).isNotNull();
    }

    @Test
    void shouldHalveCountsSoTheHistogramFollowsAChangedPolicyAndNeverOverflows() {
        IssuerLifetimes h = IssuerLifetimes.empty();
        for (int i = 0; i < IssuerLifetimes.HALVE_AT + 10; i++) {
            h = h.with(HOUR, 0);
        }
        assertThat(h.tokens()).isLessThan(IssuerLifetimes.HALVE_AT);
        assertThat(h.lifetimeQuantileMillis(0.99)).isEqualTo(IssuerLifetimes.upperEdgeMillis(
                IssuerLifetimes.bucket(HOUR)));
        assertThat(IssuerLifetimes.bucket(Long.MAX_VALUE)).isEqualTo(IssuerLifetimes.BUCKETS - 1);
        assertThat(IssuerLifetimes.bucket(-5)).isZero();
    }
}
